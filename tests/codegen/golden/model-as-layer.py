"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_encoder():
    """Build a nested model (used as a layer)."""
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    embedding = layers.Embedding(5000, 64, name="embedding")(tokens)
    bidirectional = layers.Bidirectional(layers.LSTM(32), name="bidirectional")(
        embedding
    )
    return keras.Model(inputs=tokens, outputs=bidirectional, name="encoder")


def build_model():
    """Build and compile the model."""
    sentence_a = keras.Input(shape=(None,), dtype="int32", name="sentence_a")
    sentence_b = keras.Input(shape=(None,), dtype="int32", name="sentence_b")
    encoder = build_encoder()
    encoder_1 = encoder(sentence_a)
    encoder_2 = encoder(sentence_b)
    pair = layers.Concatenate(name="pair")([encoder_1, encoder_2])
    same_meaning = layers.Dense(1, activation="sigmoid", name="same_meaning")(pair)
    model = keras.Model(
        inputs=[sentence_a, sentence_b], outputs=same_meaning, name="model_as_layer"
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    sentence_a = rng.integers(0, 5000, size=(num_samples, 8), dtype="int32")
    sentence_b = rng.integers(0, 5000, size=(num_samples, 8), dtype="int32")
    same_meaning = rng.integers(0, 2, size=(num_samples, 1)).astype(np.float32)
    return {"sentence_a": sentence_a, "sentence_b": sentence_b}, same_meaning


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(256, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

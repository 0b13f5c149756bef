"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    left = keras.Input(shape=(None, 128), name="left")
    right = keras.Input(shape=(None, 128), name="right")
    shared_lstm = layers.LSTM(32, name="shared_lstm")
    shared_lstm_1 = shared_lstm(left)
    shared_lstm_2 = shared_lstm(right)
    merged = layers.Concatenate(name="merged")([shared_lstm_1, shared_lstm_2])
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(merged)
    model = keras.Model(inputs=[left, right], outputs=predictions, name="siamese_lstm")
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    left = rng.random((num_samples, 8, 128), dtype=np.float32)
    right = rng.random((num_samples, 8, 128), dtype=np.float32)
    predictions = rng.integers(0, 2, size=(num_samples, 1)).astype(np.float32)
    return {"left": left, "right": right}, predictions


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(256, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    text = keras.Input(shape=(None,), dtype="int32", name="text")
    question = keras.Input(shape=(None,), dtype="int32", name="question")
    text_embedding = layers.Embedding(10000, 64, name="text_embedding")(text)
    text_lstm = layers.LSTM(32, name="text_lstm")(text_embedding)
    question_embedding = layers.Embedding(10000, 32, name="question_embedding")(
        question
    )
    question_lstm = layers.LSTM(16, name="question_lstm")(question_embedding)
    concatenated = layers.Concatenate(name="concatenated")([text_lstm, question_lstm])
    answer = layers.Dense(500, activation="softmax", name="answer")(concatenated)
    model = keras.Model(
        inputs=[text, question], outputs=answer, name="question_answering"
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["acc"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    text = rng.integers(0, 10000, size=(num_samples, 8), dtype="int32")
    question = rng.integers(0, 10000, size=(num_samples, 8), dtype="int32")
    answer = np.eye(500, dtype=np.float32)[rng.integers(0, 500, size=(num_samples,))]
    return {"text": text, "question": question}, answer


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(256, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

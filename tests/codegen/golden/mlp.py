"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    input_ = keras.Input(shape=(64,), name="input")
    dense = layers.Dense(32, activation="relu", name="dense")(input_)
    dense_2 = layers.Dense(32, activation="relu", name="dense_2")(dense)
    predictions = layers.Dense(10, activation="softmax", name="predictions")(dense_2)
    model = keras.Model(inputs=input_, outputs=predictions, name="mlp")
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    input_ = rng.random((num_samples, 64), dtype=np.float32)
    predictions = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=(num_samples,))]
    return input_, predictions


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(256, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

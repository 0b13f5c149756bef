"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    features = keras.Input(shape=(32, 32, 64), name="features")
    conv2d = layers.Conv2D(128, 3, activation="relu", padding="same", name="conv2d")(
        features
    )
    conv2d_2 = layers.Conv2D(
        128, 3, activation="relu", padding="same", name="conv2d_2"
    )(conv2d)
    max_pooling2d = layers.MaxPooling2D(2, strides=2, name="max_pooling2d")(conv2d_2)
    residual = layers.Conv2D(128, 1, strides=2, padding="same", name="residual")(
        features
    )
    residual_add = layers.Add(name="residual_add")([max_pooling2d, residual])
    pooled = layers.GlobalAveragePooling2D(name="pooled")(residual_add)
    predictions = layers.Dense(10, activation="softmax", name="predictions")(pooled)
    model = keras.Model(
        inputs=features, outputs=predictions, name="residual_downsample"
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    features = rng.random((num_samples, 32, 32, 64), dtype=np.float32)
    predictions = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=(num_samples,))]
    return features, predictions


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(64, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    metadata = keras.Input(shape=(32,), name="metadata")
    description = keras.Input(shape=(None,), dtype="int32", name="description")
    picture = keras.Input(shape=(96, 96, 3), name="picture")
    metadata_dense = layers.Dense(64, activation="relu", name="metadata_dense")(
        metadata
    )
    description_embedding = layers.Embedding(10000, 64, name="description_embedding")(
        description
    )
    description_lstm = layers.LSTM(32, name="description_lstm")(description_embedding)
    picture_conv1 = layers.Conv2D(32, 3, activation="relu", name="picture_conv1")(
        picture
    )
    picture_pool1 = layers.MaxPooling2D(2, name="picture_pool1")(picture_conv1)
    picture_conv2 = layers.Conv2D(64, 3, activation="relu", name="picture_conv2")(
        picture_pool1
    )
    picture_features = layers.GlobalAveragePooling2D(name="picture_features")(
        picture_conv2
    )
    all_modalities = layers.Concatenate(name="all_modalities")(
        [metadata_dense, description_lstm, picture_features]
    )
    joint_dense = layers.Dense(64, activation="relu", name="joint_dense")(
        all_modalities
    )
    price = layers.Dense(1, name="price")(joint_dense)
    model = keras.Model(
        inputs=[metadata, description, picture], outputs=price, name="clothing_price"
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="mse",
        metrics=["mae"],
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    metadata = rng.random((num_samples, 32), dtype=np.float32)
    description = rng.integers(0, 10000, size=(num_samples, 8), dtype="int32")
    picture = rng.random((num_samples, 96, 96, 3), dtype=np.float32)
    price = rng.standard_normal((num_samples, 1), dtype=np.float32)
    return {"metadata": metadata, "description": description, "picture": picture}, price


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(256, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

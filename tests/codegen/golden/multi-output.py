"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    posts = keras.Input(shape=(None,), dtype="int32", name="posts")
    embedded_posts = layers.Embedding(50000, 256, name="embedded_posts")(posts)
    conv1d = layers.Conv1D(128, 5, activation="relu", name="conv1d")(embedded_posts)
    max_pooling1d = layers.MaxPooling1D(5, name="max_pooling1d")(conv1d)
    conv1d_2 = layers.Conv1D(256, 5, activation="relu", name="conv1d_2")(max_pooling1d)
    conv1d_3 = layers.Conv1D(256, 5, activation="relu", name="conv1d_3")(conv1d_2)
    max_pooling1d_2 = layers.MaxPooling1D(5, name="max_pooling1d_2")(conv1d_3)
    conv1d_4 = layers.Conv1D(256, 5, activation="relu", name="conv1d_4")(
        max_pooling1d_2
    )
    conv1d_5 = layers.Conv1D(256, 5, activation="relu", name="conv1d_5")(conv1d_4)
    global_max_pooling1d = layers.GlobalMaxPooling1D(name="global_max_pooling1d")(
        conv1d_5
    )
    dense = layers.Dense(128, activation="relu", name="dense")(global_max_pooling1d)
    age = layers.Dense(1, name="age")(dense)
    income = layers.Dense(10, activation="softmax", name="income")(dense)
    gender = layers.Dense(1, activation="sigmoid", name="gender")(dense)
    model = keras.Model(
        inputs=posts, outputs=[age, income, gender], name="social_media"
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
        loss={
            "age": "mse",
            "income": "categorical_crossentropy",
            "gender": "binary_crossentropy",
        },
        loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
    )
    return model


def make_data(num_samples, seed=0):
    """Random inputs and targets shaped like the real data."""
    rng = np.random.default_rng(seed)
    posts = rng.integers(0, 50000, size=(num_samples, 512), dtype="int32")
    age = rng.standard_normal((num_samples, 1), dtype=np.float32)
    income = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=(num_samples,))]
    gender = rng.integers(0, 2, size=(num_samples, 1)).astype(np.float32)
    return posts, {"age": age, "income": income, "gender": gender}


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(128, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=32)
    for epoch, loss in enumerate(history.history["loss"]):
        per_output = ", ".join(
            f"{name} {values[epoch]:.4f}"
            for name, values in history.history.items()
            if name.endswith("_loss")
        )
        print(f"epoch {epoch + 1}: loss {loss:.4f} ({per_output})")

"""A Keras Functional-API model, exported by LayerLoom.

Run this file to fit the model on random data shaped like the real data.
"""

import keras
import numpy as np
from keras import layers


def build_model():
    """Build and compile the model."""
    left_camera = keras.Input(shape=(250, 250, 3), name="left_camera")
    right_camera = keras.Input(shape=(250, 250, 3), name="right_camera")
    xception_base = keras.applications.Xception(
        include_top=False, weights=None, name="xception_base"
    )
    xception_base_1 = xception_base(left_camera)
    xception_base_2 = xception_base(right_camera)
    merged_features = layers.Concatenate(name="merged_features")(
        [xception_base_1, xception_base_2]
    )
    pooled = layers.GlobalAveragePooling2D(name="pooled")(merged_features)
    same_object = layers.Dense(1, activation="sigmoid", name="same_object")(pooled)
    model = keras.Model(
        inputs=[left_camera, right_camera], outputs=same_object, name="siamese_vision"
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
    left_camera = rng.random((num_samples, 250, 250, 3), dtype=np.float32)
    right_camera = rng.random((num_samples, 250, 250, 3), dtype=np.float32)
    same_object = rng.integers(0, 2, size=(num_samples, 1)).astype(np.float32)
    return {"left_camera": left_camera, "right_camera": right_camera}, same_object


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    model = build_model()
    model.summary()
    x, y = make_data(8, seed=0)
    history = model.fit(x, y, epochs=1, batch_size=4)
    for epoch, loss in enumerate(history.history["loss"]):
        print(f"epoch {epoch + 1}: loss {loss:.4f}")

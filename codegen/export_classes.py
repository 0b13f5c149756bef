"""The source of the keras.applications internal layers an exported script defines itself.

``keras.layers`` does not export ConvNeXt's ``LayerScale`` and ``StochasticDepth`` nor
InceptionResNetV2's ``CustomScaleLayer``; an exported script must not reach into ``keras.src``,
so it defines each class it uses, doing exactly what Keras's own does (same arguments, same
weights in the same order, same computation), registered for saving under ``layerloom>``.
Fixed text only: nothing from the document reaches it.
"""

from __future__ import annotations

_REGISTER = '@keras.saving.register_keras_serializable(package="layerloom")'

CLASS_SOURCES = {
    "LayerScale": f'''{_REGISTER}
class LayerScale(keras.layers.Layer):
    """ConvNeXt's layer scale (as keras.applications.convnext): x * gamma, one factor per channel."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=keras.initializers.Constant(self.init_values),
            trainable=True,
        )

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        config = super().get_config()
        config.update({{"init_values": self.init_values, "projection_dim": self.projection_dim}})
        return config''',
    "StochasticDepth": f'''{_REGISTER}
class StochasticDepth(keras.layers.Layer):
    """ConvNeXt's stochastic depth (as keras.applications.convnext): in training, drops a batch's
    residual branch with probability drop_path_rate; identity at inference."""

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if training:
            keep_prob = 1 - self.drop_path_rate
            shape = (keras.ops.shape(x)[0],) + (1,) * (len(keras.ops.shape(x)) - 1)
            random_tensor = keras.ops.floor(keep_prob + keras.random.uniform(shape, 0, 1))
            return (x / keep_prob) * random_tensor
        return x

    def get_config(self):
        config = super().get_config()
        config.update({{"drop_path_rate": self.drop_path_rate}})
        return config''',
    "CustomScaleLayer": f'''{_REGISTER}
class CustomScaleLayer(keras.layers.Layer):
    """InceptionResNetV2's residual scaling (as keras.applications.inception_resnet_v2):
    shortcut + residual * scale."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self):
        config = super().get_config()
        config.update({{"scale": self.scale}})
        return config''',
}
"""Layer type -> the class definition an exported script carries."""

REGISTERED_PACKAGE = "layerloom"
"""The package those classes are registered under (``layerloom>LayerScale`` in a saved file)."""


def class_definitions(layer_types) -> list:
    """The class definitions for the given types, in a fixed order (the table's).

    Args:
        layer_types: the types the exported model uses (others are ignored).

    Returns:
        One source block per defined class.
    """
    wanted = set(layer_types)
    return [source for name, source in CLASS_SOURCES.items() if name in wanted]

"""Reusable :class:`ParamSpec` builders for arguments many layers share."""

from __future__ import annotations

from graph_core.layer_rules.spec import REQUIRED, ParamSpec

ACTIVATIONS = (
    "linear", "relu", "sigmoid", "softmax", "tanh", "gelu", "swish", "silu", "elu", "selu",
    "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_swish", "mish",
    "exponential", "log_softmax",
)


def activation(default="linear", main: bool = True, name: str = "activation") -> ParamSpec:
    """The ``activation`` argument (None means linear where Keras allows it)."""
    return ParamSpec(
        name, "activation", default, choices=ACTIVATIONS, allow_none=True,
        doc="activation function applied to the output", main=main,
    )


def positive_int(name: str, doc: str, default=REQUIRED, main: bool = True) -> ParamSpec:
    """A required (by default) strictly positive integer such as ``units``."""
    return ParamSpec(name, "int", default, minimum=1, doc=doc, main=main)


def use_bias() -> ParamSpec:
    """``use_bias=True``."""
    return ParamSpec("use_bias", "bool", True, doc="whether the layer adds a bias vector")


def initializer(name: str, default) -> ParamSpec:
    """An initializer argument (name or config dict)."""
    return ParamSpec(name, "initializer", default, allow_none=True, doc=f"{name.split('_')[0]} "
                     "initializer")


def regularizers(*names: str) -> tuple:
    """``*_regularizer`` / ``*_constraint`` arguments, all defaulting to None."""
    return tuple(ParamSpec(n, "any", None, allow_none=True, doc=n.replace("_", " "))
                 for n in names)


def dense_extras() -> tuple:
    """Initializers, regularizers and constraints of a kernel+bias layer."""
    return (
        initializer("kernel_initializer", "glorot_uniform"),
        initializer("bias_initializer", "zeros"),
    ) + regularizers(
        "kernel_regularizer", "bias_regularizer", "activity_regularizer",
        "kernel_constraint", "bias_constraint",
    )


def data_format() -> ParamSpec:
    """``data_format`` (None means the Keras default, channels_last)."""
    return ParamSpec(
        "data_format", "choice", None, choices=("channels_last", "channels_first"),
        allow_none=True, doc="position of the channel axis (None: channels_last)",
    )


def padding(causal: bool = False, main: bool = False) -> ParamSpec:
    """``padding`` of a convolution or pooling layer."""
    choices = ("valid", "same", "causal") if causal else ("valid", "same")
    return ParamSpec("padding", "choice", "valid", choices=choices,
                     doc="'valid': no padding; 'same': output size = ceil(input / strides)",
                     main=main)


def int_tuple(name: str, default, rank: int, doc: str, minimum: int = 1, main: bool = False,
              allow_none: bool = False) -> ParamSpec:
    """An int-or-tuple argument such as ``kernel_size`` or ``strides``."""
    return ParamSpec(name, "int_tuple", default, minimum=minimum, length=rank, doc=doc,
                     main=main, allow_none=allow_none)


def rate(name: str = "rate", default=REQUIRED, doc: str = "fraction of units to drop") -> ParamSpec:
    """A dropout rate in [0, 1)."""
    return ParamSpec(name, "float", default, minimum=0.0, maximum=1.0, exclusive_max=True,
                     doc=doc, main=name == "rate")


def seed() -> ParamSpec:
    """``seed=None`` of random layers."""
    return ParamSpec("seed", "int", None, allow_none=True, doc="random seed")

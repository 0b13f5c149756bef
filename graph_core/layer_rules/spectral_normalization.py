"""SpectralNormalization: a wrapper that rescales its inner layer's kernel by its spectral norm.

Keras needs the inner layer to have a ``kernel`` (or ``embeddings``); it adds one
non-trainable vector ``u`` as long as the kernel's last axis.
"""

from __future__ import annotations

from graph_core.layer_rules.common import REGISTRY, known_shapes
from graph_core.layer_rules.recurrent import _inner
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec

_LAYER = "SpectralNormalization"


def _kernel_last_axis(inner_type: str, inner_config: dict, in_channels):
    """Size of the last axis of the wrapped layer's kernel, or None when it has none."""
    if inner_type in ("Dense",):
        return inner_config["units"]
    if inner_type in ("Conv1D", "Conv2D", "Conv3D"):
        return inner_config["filters"]
    if inner_type in ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
        return in_channels
    if inner_type == "Embedding":
        return inner_config["output_dim"]
    return None


def infer_spectral(config: dict, inputs: list) -> list:
    """The inner layer's outputs."""
    spec, inner_config = _inner(config)
    return spec.infer(inner_config, inputs)


def count_spectral(config: dict, inputs: list) -> tuple:
    """The inner layer's weights plus the non-trainable vector u."""
    spec, inner_config = _inner(config)
    trainable, fixed = spec.count_params(inner_config, inputs)
    (shape,) = known_shapes(_LAYER, inputs)
    first = inner_config.get("data_format") == "channels_first"
    channels = shape[1] if first else shape[-1]
    return trainable, fixed + _kernel_last_axis(config["layer"]["type"], inner_config, channels)


def check_spectral(config: dict) -> list:
    """The wrapped layer must have a kernel Keras can normalize."""
    inner = config["layer"]
    if REGISTRY.get(inner["type"]) is None or _kernel_last_axis(
            inner["type"], inner["config"], 1) is None:
        return [("layer", f"SpectralNormalization wraps a layer with a kernel, got "
                 f"{inner['type']}", "wrap Dense, Conv1D-3D, Conv1D-3DTranspose or Embedding")]
    return []


SPECS = (
    LayerSpec(
        _LAYER, "Normalization", "Wraps a Dense/Conv layer and divides its kernel by its "
        "spectral norm (stable GAN discriminators).",
        (ParamSpec("layer", "layer", REQUIRED, main=True,
                   doc='the wrapped layer: {"type": "Dense", "config": {...}}'),
         ParamSpec("power_iterations", "int", 1, minimum=1, doc="power iterations per step")),
        1, 1, infer_spectral, count_spectral, check=check_spectral, frozen_by_trainable=False),
)

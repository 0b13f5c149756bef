"""Regularization layers: Dropout, SpatialDropout1D/2D, GaussianNoise."""

from __future__ import annotations

from graph_core.layer_rules import params as P
from graph_core.layer_rules.common import FLOAT32, need_rank, spatial_layout, unknown
from graph_core.layer_rules.core import no_params, same_shape_float
from graph_core.layer_rules.spec import REQUIRED, LayerSpec, ParamSpec
from graph_core.tensor import TensorSpec


def make_spatial(n: int):
    """Infer function of SpatialDropoutND: same shape, rank n + 2."""
    layer = f"SpatialDropout{n}D"
    layout = spatial_layout(n, False)

    def infer(config: dict, inputs: list) -> list:
        shape = inputs[0].shape
        if shape is None:
            return unknown()
        need_rank(layer, shape, n + 2, layout, "use Dropout for other ranks")
        return [TensorSpec(shape, FLOAT32)]

    return infer


#: SpatialDropout's constructor takes ``dtype`` but not ``trainable`` (it has no weights).
_NO_TRAINABLE = ("dtype",)

SPECS = (
    LayerSpec("Dropout", "Regularization",
              "Randomly sets a fraction rate of inputs to 0 during training.",
              (P.rate(), ParamSpec("noise_shape", "any", None, allow_none=True,
                                   doc="shape of the binary dropout mask"), P.seed()),
              1, 1, same_shape_float, no_params),
    LayerSpec("SpatialDropout1D", "Regularization",
              "Drops whole channels of a sequence (batch, steps, channels).",
              (P.rate(), P.seed()), 1, 1, make_spatial(1), no_params, base_args=_NO_TRAINABLE),
    LayerSpec("SpatialDropout2D", "Regularization",
              "Drops whole feature maps of an image (batch, rows, cols, channels).",
              (P.rate(), P.data_format(), P.seed()), 1, 1, make_spatial(2), no_params,
              base_args=_NO_TRAINABLE),
    LayerSpec("GaussianNoise", "Regularization",
              "Adds zero-centred Gaussian noise during training.",
              (ParamSpec("stddev", "float", REQUIRED, minimum=0.0, maximum=1.0,
                         doc="standard deviation of the noise", main=True), P.seed()),
              1, 1, same_shape_float, no_params),
)

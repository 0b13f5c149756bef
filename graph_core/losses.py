"""Losses and metrics LayerLoom knows, and whether a loss fits the output it is attached to."""

from __future__ import annotations

from graph_core.problems import ERROR, WARNING
from graph_core.tensor import TensorSpec, format_shape

LOSSES = (
    "mse", "mae", "mape", "msle", "huber", "log_cosh",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "kl_divergence", "poisson", "cosine_similarity", "hinge", "squared_hinge", "categorical_hinge",
    "binary_focal_crossentropy", "categorical_focal_crossentropy",
)
"""Loss names accepted by ``keras.Model.compile`` that LayerLoom can also make targets for."""

LOSS_ALIASES = {
    "mean_squared_error": "mse", "mean_absolute_error": "mae", "mean_absolute_percentage_error": "mape",
    "mean_squared_logarithmic_error": "msle", "kld": "kl_divergence", "logcosh": "log_cosh",
}

METRICS = (
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "mse", "mae", "mape", "msle", "auc", "precision", "recall",
    "root_mean_squared_error", "cosine_similarity", "kl_divergence", "poisson", "hinge", "crossentropy",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "mean_squared_error", "mean_absolute_error",
)

CLASSIFICATION = {"categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge"}


def canonical_loss(name: str) -> str:
    """Map a Keras loss alias (``mean_squared_error``) to LayerLoom's short name (``mse``)."""
    return LOSS_ALIASES.get(name, name)


def target_kind(loss: str | None) -> str:
    """What targets a loss wants: ``onehot``, ``class_ids``, ``binary``, ``positive`` or ``float``."""
    loss = canonical_loss(loss or "mse")
    if loss in CLASSIFICATION or loss == "kl_divergence":
        return "onehot"
    if loss == "sparse_categorical_crossentropy":
        return "class_ids"
    if loss in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        return "binary"
    if loss in ("poisson", "msle"):
        return "positive"
    return "float"


def loss_problems(loss, spec: TensorSpec, weight, metrics) -> list:
    """Check one output's loss, loss weight and metrics against its tensor.

    Returns:
        A list of ``(severity, code, message, hint)``; messages do not name the output (the caller does).
    """
    found = []
    if loss is None:
        found.append((WARNING, "loss.missing", "has no loss, so training ignores it",
                      "choose a loss in the output settings (mse for regression, crossentropy for classes)"))
    elif canonical_loss(loss) not in LOSSES:
        found.append((ERROR, "loss.unknown", f"unknown loss {loss!r}",
                      "use one of: " + ", ".join(LOSSES)))
    elif spec.shape is not None and len(spec.shape) >= 2:
        units = spec.shape[-1]
        name = canonical_loss(loss)
        shown = format_shape(spec.shape)
        if name in CLASSIFICATION and units == 1:
            found.append((ERROR, "loss.mismatch",
                          f"{loss} needs one unit per class, but the output {shown} has a single unit",
                          "use binary_crossentropy with a sigmoid for two classes, or give the layer one unit "
                          "per class with a softmax"))
        elif name == "sparse_categorical_crossentropy" and units == 1:
            found.append((ERROR, "loss.mismatch",
                          f"{loss} needs one unit per class, but the output {shown} has a single unit",
                          "give the layer one unit per class with a softmax"))
        elif name in ("binary_crossentropy", "binary_focal_crossentropy") and units not in (1, None):
            found.append((WARNING, "loss.mismatch",
                          f"{loss} on an output of {units} units {shown} treats each unit as its own yes/no "
                          f"label", "right for multi-label targets; for one class among "
                          f"{units} use categorical_crossentropy with a softmax"))
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
        found.append((ERROR, "loss.weight", f"loss weight must be a number ≥ 0, got {weight!r}",
                      "typical weights are between 0.1 and 10"))
    for metric in metrics or ():
        if metric not in METRICS:
            found.append((WARNING, "metric.unknown", f"unknown metric {metric!r}",
                          "use one of: " + ", ".join(METRICS[:12]) + ", …"))
    return found

"""Random training data that fits a document's inputs and outputs (numpy, reproducible).

The rules are those of :mod:`codegen.data_plan`; the arrays are drawn from one
``numpy.random.Generator`` seeded with the fit seed, in a fixed order (inputs in model order,
then targets in output order) with the same calls the exported Python script makes, so the
script and LayerLoom's own fit see the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from codegen.data_plan import (
    POSITIVE_HIGH,
    POSITIVE_LOW,
    DataPlan,
    InputPlan,
    TargetPlan,
    plan_data,
    target_shape_from_output,
)
from codegen.errors import BuildError
from codegen.synthetic_text import draw_strings
from graph_core.document import Document
from graph_core.training_settings import DEFAULT_FIT


@dataclass
class SyntheticData:
    """Inputs and targets ready for ``model.fit``.

    Attributes:
        x: one array (single input) or a list in model input order.
        y: one array (single output), a dict keyed by output name, or a list.
        plan: the :class:`DataPlan` they follow.
        samples: the number of samples.
        seed: the seed they were drawn with.
    """

    x: Any
    y: Any
    plan: DataPlan
    samples: int
    seed: int

    @property
    def inputs(self) -> list:
        """The input arrays as a list, in model order."""
        return list(self.x) if isinstance(self.x, list) else [self.x]

    @property
    def targets(self) -> list:
        """The target arrays as a list, in output order."""
        if isinstance(self.y, dict):
            return list(self.y.values())
        return list(self.y) if isinstance(self.y, list) else [self.y]


def make_input(rng: np.random.Generator, item: InputPlan, samples: int) -> np.ndarray:
    """Draw one input array (see :class:`codegen.data_plan.InputPlan` for the kinds)."""
    size = (samples, *item.shape)
    if item.kind == "float":
        dtype = np.float64 if item.dtype == "float64" else np.float32
        return rng.random(size, dtype=dtype)
    if item.kind in ("ids", "int"):
        return rng.integers(0, item.high, size=size, dtype=item.dtype)
    if item.kind == "bool":
        return rng.random(size) < 0.5
    if item.kind in ("text", "tokens"):
        return draw_strings(rng, item.kind, item.words, size)
    raise BuildError(f"Input '{item.name}' has dtype {item.dtype!r}, for which LayerLoom cannot make "
                     f"synthetic data; use a float, integer, bool or string input", item.name)


def make_target(rng: np.random.Generator, item: TargetPlan, samples: int) -> np.ndarray:
    """Draw the targets of one output (see :class:`codegen.data_plan.TargetPlan`)."""
    shape = item.shape
    if item.kind == "onehot":
        ids = rng.integers(0, item.classes, size=(samples, *shape[:-1]))
        return np.eye(item.classes, dtype=np.float32)[ids]
    if item.kind == "class_ids":
        return rng.integers(0, item.classes, size=(samples, *shape))
    if item.kind == "binary":
        return rng.integers(0, 2, size=(samples, *shape)).astype(np.float32)
    if item.kind == "positive":
        return rng.uniform(POSITIVE_LOW, POSITIVE_HIGH, size=(samples, *shape)).astype(np.float32)
    return rng.standard_normal((samples, *shape), dtype=np.float32)


def complete_plan(plan: DataPlan, model=None) -> DataPlan:
    """Fill target shapes graph_core could not infer from the Keras model's output shapes.

    Raises:
        BuildError: a target shape is unknown and no model is given.
    """
    if all(t.shape is not None for t in plan.targets):
        return plan
    if model is None:
        raise BuildError("the output shapes are not known yet; build the model first")
    shapes = _keras_output_shapes(plan, model)
    targets = []
    for item, out_shape in zip(plan.targets, shapes):
        if item.shape is None:
            classes = out_shape[-1] if item.kind in ("onehot", "class_ids") else None
            item = TargetPlan(item.name, item.loss, item.kind,
                              target_shape_from_output(item.kind, out_shape), classes)
        targets.append(item)
    return DataPlan(plan.inputs, tuple(targets), plan.length, plan.keyed_outputs)


def _keras_output_shapes(plan: DataPlan, model) -> list:
    import keras

    shapes = [tuple(t.shape[1:]) for t in model.outputs]
    if all(d is not None for s in shapes for d in s):
        return shapes
    specs = [keras.KerasTensor((None, *item.shape), dtype=item.dtype) for item in plan.inputs]
    out = model.compute_output_spec(specs[0] if len(specs) == 1 else specs)
    out = out if isinstance(out, (list, tuple)) else [out]
    return [tuple(t.shape[1:]) for t in out]


def synthetic_data(doc: Document, samples: int | None = None, seed: int | None = None,
                   model=None, plan: DataPlan | None = None) -> SyntheticData:
    """Draw inputs and loss-aware targets for ``doc``.

    Args:
        doc: a valid document.
        samples: number of samples (default ``doc.fit["samples"]``).
        seed: seed of the numpy Generator (default ``doc.fit["seed"]``).
        model: the built ``keras.Model``, used only for output shapes graph_core cannot infer.
        plan: a precomputed :func:`codegen.data_plan.plan_data` of ``doc``.

    Returns:
        A :class:`SyntheticData`; the same arguments always give the same arrays.

    Raises:
        BuildError: an input dtype has no synthetic data (strings) or shapes are unknown.
    """
    samples = int(doc.fit.get("samples", DEFAULT_FIT["samples"]) if samples is None else samples)
    seed = int(doc.fit.get("seed", DEFAULT_FIT["seed"]) if seed is None else seed)
    plan = complete_plan(plan if plan is not None else plan_data(doc), model)
    rng = np.random.default_rng(seed)
    xs = [make_input(rng, item, samples) for item in plan.inputs]
    ys = [make_target(rng, item, samples) for item in plan.targets]
    x = xs[0] if len(xs) == 1 else xs
    if len(ys) == 1:
        y = ys[0]
    elif plan.keyed_outputs:
        y = {item.name: arr for item, arr in zip(plan.targets, ys)}
    else:
        y = ys
    return SyntheticData(x, y, plan, samples, seed)

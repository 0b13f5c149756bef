"""Keras compile settings (optimizer, learning rate, per-output losses, weights, metrics) → a document.

A mix-in of the import translator (:mod:`codegen.import_config`): it reads ``compile_config``
(Keras 3) or ``training_config`` (Keras 2) as plain data and spreads each argument over the
model's outputs, whether Keras saved one value, a list per output or a dict by output name.
Custom optimizers, losses and metrics are not imported (a note says so). No Keras here.
"""

from __future__ import annotations

import struct
from typing import Any

from codegen.import_safety import is_keras_module
from graph_core.edits import snake_case
from graph_core.losses import canonical_loss


class CompileTranslation:
    """Compile-settings methods of the import translator (which provides ``notes``)."""

    notes: list

    # ----------------------------------------------------------------- compile settings
    def apply_compile(self, graph: dict, cc: dict) -> None:
        compile_out: dict = {}
        optimizer = cc.get("optimizer", cc.get("optimizer_config"))
        if isinstance(optimizer, str):
            compile_out["optimizer"] = optimizer.lower()
        elif isinstance(optimizer, dict) and isinstance(optimizer.get("class_name"), str):
            module = optimizer.get("module")
            if module is None or is_keras_module(module):
                compile_out["optimizer"] = optimizer["class_name"].lower()
                opt_cfg = optimizer.get("config") if isinstance(optimizer.get("config"), dict) else {}
                lr = opt_cfg.get("learning_rate")
                if isinstance(lr, dict):
                    inner = lr.get("config") if isinstance(lr.get("config"), dict) else {}
                    lr = inner.get("initial_learning_rate", inner.get("learning_rate"))
                    self.notes.append("the learning-rate schedule was replaced by its initial rate")
                if isinstance(lr, (int, float)) and not isinstance(lr, bool):
                    compile_out["learning_rate"] = _tidy_float32(float(lr))
            else:
                self.notes.append(f"the custom optimizer {optimizer['class_name']} was not imported")
        if compile_out:
            graph["compile"] = compile_out
        outputs = graph["outputs"]
        names = graph.get("_output_names", [])
        losses = _per_output(cc.get("loss"), outputs, names, is_leaf=_is_loss_leaf)
        weights = _per_output(cc.get("loss_weights"), outputs, names,
                              is_leaf=lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        metrics = _per_output(cc.get("metrics"), outputs, names, is_leaf=_is_metric_leaf, metrics=True)
        for k, out in enumerate(outputs):
            loss = self.loss_name(losses[k]) if losses[k] is not None else None
            out["loss"] = loss
            if isinstance(weights[k], (int, float)) and not isinstance(weights[k], bool):
                out["loss_weight"] = float(weights[k])
            out["metrics"] = self.metric_names(metrics[k])

    def loss_name(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            module = value.get("module")
            if module is not None and not is_keras_module(module):
                self.notes.append(f"the custom loss {value.get('class_name')} was not imported")
                return None
            if value.get("class_name") == "function" and isinstance(value.get("config"), str):
                return value["config"]
            if isinstance(value.get("class_name"), str):
                name = canonical_loss(snake_case(value["class_name"]))
                cfg = value.get("config") if isinstance(value.get("config"), dict) else {}
                odd = {k: v for k, v in cfg.items() if k not in ("name", "reduction", "dtype")
                       and v not in (None, False, 0, 0.0, -1)}
                if odd:
                    self.notes.append(f"the loss {name} had settings {odd} that were not imported")
                return name
        return None

    def metric_names(self, value: Any) -> list:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        names = []
        for item in items:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict):
                module = item.get("module")
                if module is not None and not is_keras_module(module):
                    self.notes.append(f"the custom metric {item.get('class_name')} was not imported")
                    continue
                if item.get("class_name") == "function" and isinstance(item.get("config"), str):
                    names.append(item["config"])
                elif isinstance(item.get("config"), dict) and isinstance(item["config"].get("name"), str):
                    names.append(item["config"]["name"])
                elif isinstance(item.get("class_name"), str):
                    names.append(snake_case(item["class_name"]))
        return names


def _is_loss_leaf(value: Any) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, dict) and "class_name" in value)


def _is_metric_leaf(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and "class_name" in value)


def _per_output(value: Any, outputs: list, names: list, is_leaf, metrics: bool = False) -> list:
    """Spread a compile argument (one value, a list per output, or a dict by output name)."""
    n = len(outputs)
    if value is None:
        return [None] * n
    if isinstance(value, dict) and not is_leaf(value):
        return [value.get(name) for name in names]
    if metrics:
        if isinstance(value, list):
            if n > 1 and len(value) == n and all(v is None or isinstance(v, list) or
                                                 (isinstance(v, dict) and not is_leaf(v)) for v in value):
                return list(value)
            if n == 1 and len(value) == 1 and isinstance(value[0], list):
                return [value[0]]
            return [value] * n
        return [value] * n
    if isinstance(value, list):
        if len(value) == n:
            return list(value)
        if len(value) == 1:
            return [value[0]] * n
        return [None] * n
    return [value] * n


def _tidy_float32(value: float) -> float:
    """The shortest decimal that rounds to the same float32 (0.009999999776 -> 0.01)."""
    try:
        target = struct.pack("f", value)
    except (OverflowError, struct.error):
        return value
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("f", candidate) == target:
            return candidate
    return value

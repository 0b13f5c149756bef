"""One-click repairs for problems with an obvious fix, each one undoable edit.

:func:`fixes_for` proposes repairs for the problems of a check; every repair is tried on a copy
of the document first and offered only when the problem list gets shorter (or the model becomes
valid), so applying a fix never makes things worse. A fix is ``safe`` when it cannot change
what the user meant (``layerloom check --fix`` applies only those).

Repairs: Flatten or GlobalAveragePooling before a Dense on feature maps; a strided 1×1 Conv2D on
a residual shortcut whose shape differs; swapped Embedding arguments; a loss fitting the
output's activation; a Reshape adding the channel axis before a Conv2D fed a rank-3 tensor;
``return_sequences=True`` on the lower of two stacked recurrent layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph_core import catalog
from graph_core.analysis import CheckResult, check
from graph_core.document import Document, Layer, Node, TensorRef
from graph_core.edits import AddNode, Compound, Connect, Edit, SetConfig, SetOutput, snake_case

RNN_TYPES = ("LSTM", "GRU", "SimpleRNN")
MERGE_TYPES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
MAX_ROUNDS = 32
"""Most rounds of :func:`apply_safe_fixes` (each applies one fix)."""


@dataclass(frozen=True)
class Fix:
    """A proposed repair.

    Attributes:
        code: the code of the problem it repairs.
        label: what it does, for a button ("Insert Flatten before 'dense'").
        node_ids: the nodes concerned.
        safe: True when it cannot change the user's intent (applied by ``check --fix``).
        make: builds the edit for the document (called once per application).
    """

    code: str
    label: str
    node_ids: tuple
    safe: bool
    make: Callable[[Document], Edit]

    def edit(self, doc: Document) -> Compound:
        """The repair as ONE undoable compound edit named by :attr:`label`."""
        edit = self.make(doc)
        return edit if isinstance(edit, Compound) else Compound([edit], self.label)


def fixes_for(doc: Document, result: CheckResult | None = None, verify: bool = True) -> list:
    """Every repair for the problems of ``doc``, as ``(problem, fix)`` pairs.

    Args:
        doc: the document (not changed).
        result: its check (computed when None).
        verify: keep only fixes that shorten the problem list on a copy (or make it valid).

    Returns:
        The pairs, in the order of the problems.
    """
    result = result if result is not None else check(doc)
    pairs = []
    for problem in result.problems:
        for fix in _candidates(doc, result, problem):
            if not verify or _improves(doc, result, fix):
                pairs.append((problem, fix))
    return pairs


def apply_fix(doc: Document, fix: Fix) -> Compound:
    """Apply ``fix`` to ``doc`` as one edit; returns the applied edit (to revert it)."""
    edit = fix.edit(doc)
    doc.apply(edit)
    return edit


def apply_safe_fixes(doc: Document) -> list:
    """Apply safe fixes one by one until none is left; returns the labels applied, in order."""
    applied = []
    for _round in range(MAX_ROUNDS):
        safe = [fix for _p, fix in fixes_for(doc) if fix.safe]
        if not safe:
            break
        apply_fix(doc, safe[0])
        applied.append(safe[0].label)
    return applied


def _improves(doc: Document, before: CheckResult, fix: Fix) -> bool:
    trial = doc.clone()
    try:
        trial.apply(fix.edit(trial))
    except Exception:
        return False
    after = check(trial)
    if after.valid and not before.valid:
        return True
    return len(after.problems) < len(before.problems) and len(after.errors) <= len(before.errors)


# ---------------------------------------------------------------------- candidates
def _candidates(doc: Document, result: CheckResult, problem) -> list:
    if not problem.node_ids or problem.node_ids[0] not in doc.nodes:
        return []
    nid = problem.node_ids[0]
    layer = doc.layer_of(nid)
    code = problem.code
    if code == "lint.embedding_swapped":
        return [_swap_embedding(layer, nid)]
    if code == "lint.dense_spatial":
        return [_insert_before(doc, nid, 0, "Flatten", {}, safe=False),
                _insert_before(doc, nid, 0, "GlobalAveragePooling2D", {}, safe=False)]
    if code == "shape.merge_mismatch" and layer.type in MERGE_TYPES:
        return _shortcut_projection(doc, result, nid)
    if code == "shape.rank" and layer.type == "Conv2D":
        return _channel_axis(doc, result, nid)
    if code == "shape.rank" and layer.type in RNN_TYPES:
        return _return_sequences(doc, nid)
    if code in ("loss.missing", "loss.mismatch"):
        return _fitting_loss(doc, result, nid, safe=code == "loss.missing")
    return []


def _swap_embedding(layer: Layer, nid: str) -> Fix:
    vocab, dim = layer.config.get("input_dim"), layer.config.get("output_dim")

    def make(doc: Document) -> Edit:
        return Compound([SetConfig(layer.id, "input_dim", dim), SetConfig(layer.id, "output_dim", vocab)],
                        f"Swap the Embedding arguments of '{layer.name}'")

    return Fix("lint.embedding_swapped", f"Swap input_dim and output_dim of '{layer.name}' "
               f"(Embedding({dim}, {vocab}))", (nid,), True, make)


def _insert_before(doc: Document, nid: str, slot: int, layer_type: str, config: dict, safe: bool,
                   code: str = "lint.dense_spatial", label: str | None = None) -> Fix:
    target = doc.layer_of(nid).name
    source = doc.nodes[nid].inputs[slot]
    label = label or f"Insert {layer_type} before '{target}'"

    def make(d: Document) -> Edit:
        layer = Layer(d.new_id("l"), layer_type, d.unique_name(snake_case(layer_type)), dict(config))
        x0, y0 = d.nodes[source.node].pos
        x1, y1 = d.nodes[nid].pos
        node = Node(d.new_id("n"), layer.id, [TensorRef(*source)], ((x0 + x1) / 2.0, (y0 + y1) / 2.0 + 70.0))
        return Compound([AddNode(node, layer), Connect(TensorRef(node.id, 0), nid, slot, replace=True)], label)

    return Fix(code, label, (nid,), safe, make)


def _shortcut_projection(doc: Document, result: CheckResult, nid: str) -> list:
    """A 1×1 Conv2D with strides on the larger input, as the notes' downsampling residual does."""
    node = doc.nodes[nid]
    if len(node.inputs) != 2:
        return []
    specs = [_spec(result, ref) for ref in node.inputs]
    if any(s is None or s.shape is None or len(s.shape) != 4 for s in specs):
        return []
    shapes = [s.shape for s in specs]
    for big, small in ((0, 1), (1, 0)):
        (_, h, w, _c), (_, h2, w2, c2) = shapes[big], shapes[small]
        if None in (h, w, h2, w2, c2) or h2 == 0 or w2 == 0 or h % h2 or w % w2:
            continue
        sh, sw = h // h2, w // w2
        if (sh, sw) == (1, 1) and shapes[big][3] == c2:
            continue
        strides = sh if sh == sw else [sh, sw]
        config = {"filters": c2, "kernel_size": 1, "padding": "same"}
        if strides != 1:
            config["strides"] = strides
        label = (f"Insert a 1×1 Conv2D ({c2} filters, strides {strides}) on the shortcut into "
                 f"'{doc.layer_of(nid).name}'")
        return [_insert_before(doc, nid, big, "Conv2D", config, safe=True, code="shape.merge_mismatch",
                               label=label)]
    return []


def _channel_axis(doc: Document, result: CheckResult, nid: str) -> list:
    spec = _spec(result, doc.nodes[nid].inputs[0]) if doc.nodes[nid].inputs else None
    if spec is None or spec.shape is None or len(spec.shape) != 3:
        return []
    rows, cols = spec.shape[1:]
    if rows is None and cols is None:
        return []
    target = [-1 if rows is None else rows, -1 if cols is None else cols, 1]
    label = f"Insert Reshape to {tuple(target)} (a channel axis) before '{doc.layer_of(nid).name}'"
    return [_insert_before(doc, nid, 0, "Reshape", {"target_shape": target}, safe=True, code="shape.rank",
                           label=label)]


def _return_sequences(doc: Document, nid: str) -> list:
    inputs = doc.nodes[nid].inputs
    if not inputs:
        return []
    lower = doc.layer_of(inputs[0].node)
    if lower.type not in RNN_TYPES or lower.config.get("return_sequences"):
        return []

    def make(d: Document) -> Edit:
        return SetConfig(lower.id, "return_sequences", True)

    return [Fix("shape.rank", f"Set return_sequences=True on '{lower.name}' (it feeds "
                f"'{doc.layer_of(nid).name}')", (nid, inputs[0].node), True, make)]


def _fitting_loss(doc: Document, result: CheckResult, nid: str, safe: bool) -> list:
    index = next((i for i, out in enumerate(doc.outputs) if out.node == nid), None)
    if index is None:
        return []
    out = doc.outputs[index]
    spec = _spec(result, out.ref)
    if spec is None or spec.shape is None:
        return []
    layer = doc.layer_of(nid)
    try:
        activation = catalog.resolve_config(layer.type, layer.config).get("activation")
    except Exception:
        activation = layer.config.get("activation")
    units = spec.shape[-1] if spec.shape else None
    if activation == "softmax" and units not in (None, 1):
        loss = "categorical_crossentropy"
    elif activation == "sigmoid":
        loss = "binary_crossentropy"
    elif activation in (None, "linear", "tanh", "relu"):
        loss = "mse"
    else:
        return []
    if loss == out.loss:
        return []

    def make(d: Document) -> Edit:
        return SetOutput(index, "loss", loss)

    why = f"{activation} output" if activation else "linear output"
    return [Fix("loss.missing" if safe else "loss.mismatch",
                f"Use loss {loss} for output '{doc.layer_of(nid).name}' ({why})", (nid,), safe, make)]


def _spec(result: CheckResult, ref):
    node_result = result.nodes.get(ref.node)
    if node_result is None:
        return None
    try:
        return node_result.output(ref.index)
    except (IndexError, KeyError):
        return None

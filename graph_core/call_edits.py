"""Editing what a call passes besides its main inputs, and the keyword ports the canvas offers.

- :class:`ConnectKeyword`: feed a tensor to a keyword of the call (``initial_state``, ``mask``,
  ``attention_mask``) — one undoable edit, e.g. a wire dropped on the ``initial_state[0]`` port.
- :class:`SetCallKeyword`: set or remove a non-tensor keyword (``training``,
  ``use_causal_mask``, ``return_attention_scores``).
- :func:`main_port_count`, :func:`free_keyword_ports`, :func:`keyword_port_at`: the input ports
  of a card: its connected inputs and free main ports first, then one free port per keyword the
  layer's :class:`~graph_core.layer_rules.spec.CallSpec` offers (``keyword_ports``).
"""

from __future__ import annotations

from graph_core.document import ChangeEvent, Document, TensorRef
from graph_core.edits import Edit, _require_node
from graph_core.errors import EditError
from graph_core.graph_algorithms import reaches
from graph_core.layer_kinds import call_spec_for, spec_for
from graph_core.operations import get_operation, tensor_count


def main_port_count(doc: Document, node_id: str) -> int:
    """The input ports a card shows before its free keyword ports: every connected input, plus
    free main ports (merge layers one more than they use, layers with optional inputs all)."""
    node = doc.nodes[node_id]
    used = len(node.inputs)
    layer = doc.layers[node.layer]
    spec = spec_for(layer)
    if spec is None:
        return used + 1
    if spec.kind == "operation":  # one port per operand that is not a constant (x * 2.0 has one)
        wanted = tensor_count(get_operation(layer.type), layer.config)
        return max(used + 1 if wanted is None else wanted, used, 1)
    if spec.max_inputs is None:
        return max(spec.min_inputs, used + 1)
    return max(spec.max_inputs + sum(node.keyword_inputs.values()), used)


def free_keyword_ports(doc: Document, node_id: str) -> list:
    """``(keyword, position)`` of each free keyword port: the next tensor each offered keyword
    can take (``("initial_state", 1)`` once ``initial_state[0]`` is connected)."""
    node = doc.nodes[node_id]
    out = []
    for keyword, most in call_spec_for(doc.layers[node.layer]).keyword_ports:
        have = node.keyword_inputs.get(keyword, 0)
        if have < most:
            out.append((keyword, have))
    return out


def keyword_port_at(doc: Document, node_id: str, port: int) -> tuple | None:
    """``(keyword, position)`` when input ``port`` of the card is a free keyword port, else None."""
    k = port - main_port_count(doc, node_id)
    free = free_keyword_ports(doc, node_id)
    return free[k] if 0 <= k < len(free) else None


def keyword_port_name(doc: Document, node_id: str, keyword: str, position: int) -> str:
    """``initial_state[0]`` for a list keyword, ``mask`` otherwise."""
    call = call_spec_for(doc.layer_of(node_id))
    return f"{keyword}[{position}]" if keyword in call.list_keywords else keyword


def keyword_refusal(doc: Document, source: TensorRef, target: str, keyword: str) -> str | None:
    """Why ``source`` cannot be passed as ``keyword`` to the call ``target`` (or None)."""
    source = TensorRef(*source)
    if source.node not in doc.nodes or target not in doc.nodes:
        return "that node does not exist"
    label, src = doc.node_label(target), doc.node_label(source.node)
    if source.node == target:
        return f"'{label}' cannot take its own output: a model must be a directed acyclic graph"
    call = call_spec_for(doc.layer_of(target))
    if keyword not in call.keyword_tensors:
        takes = ", ".join(call.keyword_tensors) or "no keyword tensors"
        return f"'{label}' does not take the keyword {keyword} (it takes {takes})"
    limit = dict(call.keyword_ports).get(keyword, 1 if keyword not in call.list_keywords else None)
    have = doc.nodes[target].keyword_inputs.get(keyword, 0)
    if limit is not None and have >= limit:
        return f"'{label}' {keyword} is already given {have} tensor{'s' if have != 1 else ''}"
    if reaches(doc, target, source.node):
        return (f"passing '{src}' to '{label}' would close a cycle ('{label}' already feeds '{src}'); "
                f"a model must be a directed acyclic graph")
    return None


class ConnectKeyword(Edit):
    """Pass tensor ``source`` as (one more tensor of) keyword ``keyword`` of the call ``target``."""

    def __init__(self, source: TensorRef, target: str, keyword: str):
        self.source = TensorRef(*source)
        self.target = target
        self.keyword = keyword
        self.label = f"Connect {keyword}"
        self._old: tuple | None = None

    def apply(self, doc):
        reason = keyword_refusal(doc, self.source, self.target, self.keyword)
        if reason:
            raise EditError(reason)
        node = doc.nodes[self.target]
        self._old = (list(node.inputs), dict(node.keyword_inputs))
        refs = node.keyword_refs()
        refs.setdefault(self.keyword, []).append(self.source)
        inputs = list(node.main_inputs) + [ref for name in refs for ref in refs[name]]
        doc._set_inputs(self.target, inputs, {name: len(tensors) for name, tensors in refs.items()})
        return ChangeEvent("structure", frozenset({self.target, self.source.node}))

    def revert(self, doc):
        doc._set_inputs(self.target, *self._old)
        return ChangeEvent("structure", frozenset({self.target, self.source.node}))


class SetCallKeyword(Edit):
    """Set the non-tensor keyword ``name`` of the call ``target`` to ``value`` (None removes it)."""

    def __init__(self, target: str, name: str, value):
        self.target = target
        self.name = name
        self.value = value
        self.label = f"Set {name}" if value is not None else f"Remove {name}"
        self._old = None
        self._had = False

    def apply(self, doc):
        node = _require_node(doc, self.target)
        call = call_spec_for(doc.layer_of(self.target))
        if self.name != "training" and self.name not in call.keywords:
            takes = ", ".join(("training", *call.keywords))
            raise EditError(f"'{doc.node_label(self.target)}' does not take {self.name} (it takes {takes})")
        if self.value is not None and not isinstance(self.value, bool):
            raise EditError(f"{self.name} must be true or false, not {self.value!r}")
        self._had = self.name in node.call_kwargs
        self._old = node.call_kwargs.get(self.name)
        kwargs = dict(node.call_kwargs)
        if self.value is None:
            kwargs.pop(self.name, None)
        else:
            kwargs[self.name] = self.value
        node.call_kwargs = kwargs
        return ChangeEvent("structure", frozenset({self.target}))

    def revert(self, doc):
        node = doc.nodes[self.target]
        kwargs = dict(node.call_kwargs)
        if self._had:
            kwargs[self.name] = self._old
        else:
            kwargs.pop(self.name, None)
        node.call_kwargs = kwargs
        return ChangeEvent("structure", frozenset({self.target}))

"""The rules of the canvas's wiring and deleting gestures, as pure functions over a document.

The canvas asks these questions while the user drags a connection or deletes a selection; the
answers depend on the document only, so they live here (and are tested) without Qt:

- :func:`detached_copy`: the document as it is while a connection is dragged away from an input.
- :func:`wire_drop`: the input slot a dropped connection goes to, or why it is refused.
- :func:`wire_edit`: the edit that drop makes (connect, or reconnect a detached connection).
- :func:`delete_edit`: one undoable edit deleting nodes and disconnecting edges, worked out on
  a scratch copy (a dry run) so the disconnections and the deletion merge into one step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from graph_core.call_edits import ConnectKeyword, keyword_port_at, keyword_port_name, keyword_refusal
from graph_core.catalog import get_spec
from graph_core.document import Document, TensorRef
from graph_core.edits import Compound, Connect, Disconnect, Edit, connection_refusal, delete_nodes
from graph_core.layer_kinds import call_spec_for
from graph_core.records import frozen

PortName = Callable[[Document, str, int], str]
"""``(doc, node id, slot) -> name`` of an input port, e.g. ``"query"`` or ``"input 1"``."""


def default_port_name(doc: Document, node_id: str, slot: int) -> str:
    """The name of an input port: a keyword input's (``initial_state[1]``), the layer's call
    description's (``query``), else ``input {slot}``."""
    node = doc.nodes[node_id]
    keyword = node.keyword_of(slot) if slot < len(node.inputs) else keyword_port_at(doc, node_id, slot)
    if keyword is not None:
        name, k = keyword
        if node.keyword_inputs.get(name, 0) > 1:
            return f"{name}[{k}]"
        return keyword_port_name(doc, node_id, name, k)
    if slot >= len(node.inputs):  # a free main port: the next main inputs, after the keyword ones
        slot = node.main_count + slot - len(node.inputs)
    return call_spec_for(doc.layer_of(node_id)).input_name(slot)


@frozen
class WireDrop:
    """Where a dropped connection goes.

    Attributes:
        slot: the input position for :class:`~graph_core.edits.Connect` (None appends).
        reason: why the drop is refused (a sentence naming the layers), or None.
        keyword: the call keyword the tensor goes to, for a drop on a free keyword port
            (:class:`~graph_core.call_edits.ConnectKeyword`), else None.
    """

    slot: int | None
    reason: str | None
    keyword: str | None = None


def detached_copy(doc: Document, detached: tuple | None) -> Document:
    """The document a drag is judged against: ``doc`` itself, or a copy without the dragged edge.

    Args:
        doc: the document shown.
        detached: ``(target node id, slot)`` of the connection dragged away from its input, or None
            for a new connection dragged from an output.

    Returns:
        ``doc`` (when nothing is detached) or a clone with that input disconnected.
    """
    if detached is None:
        return doc
    work = doc.clone()
    work.apply(Disconnect(*detached))
    return work


def wire_drop(work: Document, source: TensorRef, node_id: str, port: int | None,
              detached: tuple | None = None, port_name: PortName = default_port_name) -> WireDrop:
    """The slot and refusal of dropping a connection from ``source`` on ``port`` of ``node_id``.

    Dropping on the card (``port`` None) or on a free port appends; dropping on a connected port
    of a layer taking several inputs is refused (the user drags that connection away first);
    everything else is :func:`graph_core.edits.connection_refusal` (cycles, arity, own output).

    Args:
        work: the document judged (:func:`detached_copy` of the document shown).
        source: the dragged tensor.
        node_id: the node dropped on.
        port: the input port dropped on (numbered as shown, i.e. before detaching), or None for
            the card itself.
        detached: ``(target node id, slot)`` of the connection being moved, or None.
        port_name: names input ports in messages.

    Returns:
        A :class:`WireDrop`.
    """
    slot = port
    if port is not None and detached is not None and detached[0] == node_id and port > detached[1]:
        slot = port - 1  # the ports after the detached one moved up by one in ``work``
    keyword = keyword_port_at(work, node_id, slot) if slot is not None and node_id in work.nodes else None
    if keyword is not None:
        return WireDrop(None, keyword_refusal(work, source, node_id, keyword[0]), keyword[0])
    count = len(work.nodes[node_id].inputs) if node_id in work.nodes else 0
    slot = None if slot is None or slot >= count else slot
    reason = connection_refusal(work, source, node_id, slot)
    if reason is None and slot is not None:
        spec = get_spec(work.layer_of(node_id).type)
        if spec is not None and spec.max_inputs is not None and spec.max_inputs > 1:
            reason = (f"'{work.node_label(node_id)}' {port_name(work, node_id, slot)} is occupied: drag its "
                      f"connection away first")
    return WireDrop(slot, reason)


def wire_edit(source: TensorRef, node_id: str, port: int | None, slot: int | None,
              detached: tuple | None = None, keyword: str | None = None) -> Edit | None:
    """The edit an accepted drop makes.

    Args:
        source: the dragged tensor.
        node_id: the node dropped on.
        port: the port dropped on (as shown), or None for the card.
        slot: :attr:`WireDrop.slot` of the drop.
        detached: ``(target node id, slot)`` of the connection being moved, or None.
        keyword: :attr:`WireDrop.keyword` of the drop (a keyword port).

    Returns:
        A ``Connect`` (a ``ConnectKeyword`` on a keyword port), a "Reconnect" compound
        (disconnect, then connect), or None when a detached
        connection was dropped back on its own port.
    """
    if detached is not None and detached == (node_id, port):
        return None
    if keyword is not None:
        connect: Edit = ConnectKeyword(source, node_id, keyword)
    else:
        connect = Connect(source, node_id, slot)
    return connect if detached is None else Compound([Disconnect(*detached), connect], "Reconnect")


def delete_edit(doc: Document, node_ids: Iterable[str], edges: Iterable[tuple] = ()) -> Edit | None:
    """One edit deleting ``node_ids`` and disconnecting ``edges``: a single undo step.

    Edges touching a deleted node go with it. When there are both, the deletion is planned on a
    scratch copy with the edges already disconnected (a dry run), so the disconnections and the
    deletion's own edits (outputs unmarked, connections cut, nodes removed) form one compound.

    Args:
        doc: the document (not changed).
        node_ids: the nodes to delete.
        edges: ``(target node id, slot)`` of the connections to remove.

    Returns:
        The edit, or None when there is nothing to delete.
    """
    ids = [nid for nid in node_ids if nid in doc.nodes]
    doomed = set(ids)
    keys = sorted({(t, s) for t, s in edges
                   if t not in doomed and t in doc.nodes and s < len(doc.nodes[t].inputs)
                   and doc.nodes[t].inputs[s].node not in doomed},
                  key=lambda k: (k[0], -k[1]))  # highest slot first, so the others keep their place
    if not ids and not keys:
        return None
    disconnects = [Disconnect(t, s) for t, s in keys]
    if not ids:
        return disconnects[0] if len(disconnects) == 1 else Compound(disconnects, "Disconnect")
    if not disconnects:
        return delete_nodes(doc, ids)
    scratch = doc.clone()
    for disconnect in disconnects:
        scratch.apply(Disconnect(disconnect.target, disconnect.slot))
    deletion = delete_nodes(scratch, ids)
    return Compound(disconnects + deletion.edits, deletion.label)

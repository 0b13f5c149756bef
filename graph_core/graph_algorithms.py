"""Graph algorithms over a document's nodes: order, reachability, cycles.

Hot paths (topological order, reachability) are plain loops over the document's own indices;
networkx is used where its algorithms are the clearer choice (finding a cycle to report); it is
imported only then, so loading and checking a valid graph never pays for importing it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from graph_core.document import Document

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (records.py)
if TYPE_CHECKING:
    import networkx as nx


def topological_order(doc: Document) -> tuple[list[str], list[str]]:
    """Order nodes so every node comes after the nodes feeding it (Kahn, stable by document order).

    Returns:
        ``(order, left_over)``: ``left_over`` holds the nodes on or behind a cycle (empty for a DAG).
    """
    nodes = doc.nodes
    indegree = {}
    ready: deque = deque()
    for nid, node in nodes.items():
        inputs = node.inputs
        if not inputs:
            ready.append(nid)
            indegree[nid] = 0
            continue
        degree = 0
        for ref in inputs:
            if ref.node in nodes:
                degree += 1
        indegree[nid] = degree
        if not degree:
            ready.append(nid)
    order: list[str] = []
    consumers = doc._consumers
    while ready:
        nid = ready.popleft()
        order.append(nid)
        for consumer, _slot in consumers.get(nid, ()):
            indegree[consumer] -= 1
            if indegree[consumer] == 0:
                ready.append(consumer)
    if len(order) == len(doc.nodes):
        return order, []
    placed = set(order)
    return order, [nid for nid in doc.nodes if nid not in placed]


def reaches(doc: Document, start: str, goal: str) -> bool:
    """True when data flows from node ``start`` to node ``goal`` (start == goal counts)."""
    if start == goal:
        return True
    seen = {start}
    stack = [start]
    consumers = doc._consumers
    while stack:
        for consumer, _slot in consumers.get(stack.pop(), ()):
            if consumer == goal:
                return True
            if consumer not in seen:
                seen.add(consumer)
                stack.append(consumer)
    return False


def flow_path(doc: Document, start: str, goal: str) -> list:
    """The nodes on one shortest data path from ``start`` to ``goal`` (both included), or [].

    Used to show the cycle a refused connection would close.
    """
    if start == goal:
        return [start]
    previous = {start: None}
    queue = [start]
    for nid in queue:
        for consumer, _slot in doc.consumers(nid):
            if consumer in previous:
                continue
            previous[consumer] = nid
            if consumer == goal:
                path = [goal]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            queue.append(consumer)
    return []


def descendants(doc: Document, sources: Iterable[str]) -> set[str]:
    """Return the given nodes and every node that (transitively) reads them."""
    seen = {s for s in sources if s in doc.nodes}
    stack = list(seen)
    consumers = doc._consumers
    while stack:
        for consumer, _slot in consumers.get(stack.pop(), ()):
            if consumer not in seen:
                seen.add(consumer)
                stack.append(consumer)
    return seen


def ancestors(doc: Document, sinks: Iterable[str]) -> set[str]:
    """Return the given nodes and every node they (transitively) read from."""
    seen = {s for s in sinks if s in doc.nodes}
    stack = list(seen)
    while stack:
        for ref in doc.nodes[stack.pop()].inputs:
            if ref.node in doc.nodes and ref.node not in seen:
                seen.add(ref.node)
                stack.append(ref.node)
    return seen


def to_networkx(doc: Document, nodes: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """Return the node graph (edge per input connection) as a networkx MultiDiGraph."""
    import networkx as nx

    keep = set(doc.nodes) if nodes is None else set(nodes)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(nid for nid in doc.nodes if nid in keep)
    for nid in graph.nodes:
        for slot, ref in enumerate(doc.nodes[nid].inputs):
            if ref.node in keep:
                graph.add_edge(ref.node, nid, key=slot)
    return graph


def find_cycles(doc: Document, candidates: Iterable[str]) -> list[list[str]]:
    """Return the distinct simple cycles among ``candidates`` (one per strongly connected part).

    Each cycle is a list of node ids in data-flow order.
    """
    import networkx as nx

    graph = to_networkx(doc, candidates)
    position = {nid: i for i, nid in enumerate(doc.nodes)}
    cycles = []
    for component in nx.strongly_connected_components(graph):
        sub = graph.subgraph(component)
        if len(component) == 1 and not sub.number_of_edges():
            continue
        start = min(component, key=position.__getitem__)
        edges = nx.find_cycle(sub, source=start)
        cycles.append([edge[0] for edge in edges])
    cycles.sort(key=lambda c: position[c[0]])
    return cycles


def generations(doc: Document) -> list[list[str]]:
    """Group nodes by longest distance from an input (columns for a layered layout)."""
    order, left_over = topological_order(doc)
    depth: dict[str, int] = {}
    for nid in order:
        depth[nid] = max((depth.get(ref.node, -1) + 1 for ref in doc.nodes[nid].inputs), default=0)
    for nid in left_over:
        depth[nid] = max(depth.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for nid in doc.nodes:
        columns[depth[nid]].append(nid)
    return columns


def walk_downstream(doc, start: str, visit) -> None:
    """Visit every node that data from ``start`` reaches, into nested models too.

    A tensor fed to a nested ``Model`` layer continues at that model's Input at the same
    position. Each ``(document, node id)`` is visited once.

    Args:
        doc: the document holding ``start``.
        start: the node to start from (visited first).
        visit: ``visit(document, node_id, layer) -> bool``; False stops the walk below that node.
    """
    seen = set()
    stack = [(doc, start)]
    while stack:
        current, nid = stack.pop()
        if (id(current), nid) in seen:
            continue
        seen.add((id(current), nid))
        if not visit(current, nid, current.layer_of(nid)):
            continue
        for consumer, slot in current.consumers(nid):
            stack.append((current, consumer))
            sub = current.layer_of(consumer).subgraph
            if sub is not None and slot < len(sub.input_nodes()):
                stack.append((sub, sub.input_nodes()[slot]))

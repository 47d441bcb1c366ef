"""The call graph: which inputs made which calls, from inside their containers (`get_call_graph`).

A call made by a function running in a container records its parent input and call
(`FunctionCall.parent_input`, `parent_call`). The graph of a call is read from the root of its
tree: the inputs of the root call, each with the inputs of the calls it made, at any depth.
Reads only; cancelling along the graph is `delivery.cancel_call`'s.
"""

from __future__ import annotations

from .models import FunctionCall, Input

__all__ = ["MAX_GRAPH_CALLS", "call_graph"]

# A graph is read whole; past this many calls the rest is left out (the deepest levels first).
MAX_GRAPH_CALLS = 10_000
MAX_DEPTH = 100


def _root(call: FunctionCall) -> str:
    """The call at the top of `call`'s tree (of the same workspace: a parent is always of it)."""
    root, seen = call.pk, {call.pk}
    parent = call.parent_call_id
    while parent is not None and parent not in seen and len(seen) < MAX_DEPTH:
        seen.add(parent)
        root = parent
        parent = (
            FunctionCall.objects.filter(pk=parent, workspace_id=call.workspace_id)
            .values_list("parent_call_id", flat=True)
            .first()
        )
    return root


def call_graph(call: FunctionCall) -> dict:
    """{root_call_id, inputs}: the root call's inputs as nodes {input_id, function_call_id, task_id,
    status, function_name, module_name, children}, children being the inputs of the calls each made."""
    root = _root(call)
    calls, level = [root], [root]
    while level and len(calls) < MAX_GRAPH_CALLS:
        level = list(
            FunctionCall.objects.filter(parent_call_id__in=level, workspace_id=call.workspace_id)
            .order_by("created_at")
            .values_list("id", flat=True)[: MAX_GRAPH_CALLS - len(calls)]
        )
        calls += level
    parent_of = dict(FunctionCall.objects.filter(pk__in=calls).values_list("id", "parent_input_id"))
    rows = (
        Input.objects.filter(call_id__in=calls)
        .order_by("call__created_at", "idx")
        .values("id", "call_id", "task_id", "status", "function__name", "function__module")
    )
    nodes: dict[str, dict] = {}
    for row in rows:
        nodes[row["id"]] = {
            "input_id": row["id"],
            "function_call_id": row["call_id"],
            "task_id": row["task_id"] or "",
            "status": row["status"],
            "function_name": row["function__name"],
            "module_name": row["function__module"],
            "children": [],
        }
    roots = []
    for node in nodes.values():
        call_id = node["function_call_id"]
        if call_id == root:
            roots.append(node)
        elif parent_of.get(call_id) in nodes:
            nodes[parent_of[call_id]]["children"].append(node)
    return {"root_call_id": root, "inputs": roots}

/**
 * A call graph (GET /api/v1/calls/{id}/graph/) as the dashboard shows it: an indented tree of
 * inputs, each with the inputs of the calls it made from its container.
 *
 * Pure functions, so that walking and counting are unit-tested without a browser.
 */
import type { CallGraphInput as GraphInput, CallGraphResponse } from "../api/client";

/** An input of the graph, its children typed (the schema leaves them as plain objects). */
export type GraphNode = Omit<GraphInput, "children"> & { children: GraphNode[] };

export type CallGraph = { root_call_id: string; inputs: GraphNode[] };

/** A node with its place in the tree, in reading order (a parent before its children). */
export type GraphRow = { node: GraphNode; depth: number; parentInputId: string | null };

/** Input statuses that no longer change. */
export const TERMINAL_INPUT_STATUSES: readonly string[] = [
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "terminated",
];

/** The API's graph with its children typed as nodes (a child missing `children` gets none). */
export function toCallGraph(graph: CallGraphResponse): CallGraph {
  const node = (input: GraphInput): GraphNode => ({
    ...input,
    children: (input.children ?? []).map((child) => node(child as unknown as GraphInput)),
  });
  return { root_call_id: graph.root_call_id, inputs: graph.inputs.map(node) };
}

/** Every node, depth first, each parent before its children, siblings in the API's order. */
export function flattenGraph(inputs: readonly GraphNode[]): GraphRow[] {
  const rows: GraphRow[] = [];
  const walk = (nodes: readonly GraphNode[], depth: number, parentInputId: string | null) => {
    for (const node of nodes) {
      rows.push({ node, depth, parentInputId });
      walk(node.children, depth + 1, node.input_id);
    }
  };
  walk(inputs, 0, null);
  return rows;
}

/** How many inputs of the graph are in each status, statuses in the order first met. */
export function countStatuses(inputs: readonly GraphNode[]): [status: string, count: number][] {
  const counts = new Map<string, number>();
  for (const { node } of flattenGraph(inputs)) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
  return [...counts.entries()];
}

/** "3 inputs: 2 succeeded, 1 running" (or "No inputs."). */
export function describeStatuses(inputs: readonly GraphNode[]): string {
  const counts = countStatuses(inputs);
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return "No inputs.";
  const parts = counts.map(([status, count]) => `${count} ${status.replace("_", " ")}`);
  return `${total} input${total === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** True when every input of the graph is finished: nothing left to poll for. */
export function graphSettled(inputs: readonly GraphNode[]): boolean {
  return flattenGraph(inputs).every(({ node }) => TERMINAL_INPUT_STATUSES.includes(node.status));
}

/** The calls of the graph, each once, in reading order. */
export function graphCallIds(inputs: readonly GraphNode[]): string[] {
  return [...new Set(flattenGraph(inputs).map(({ node }) => node.function_call_id))];
}

import { describe, expect, it } from "vitest";

import type { CallGraphResponse } from "../api/client";
import {
  countStatuses,
  describeStatuses,
  flattenGraph,
  graphCallIds,
  graphSettled,
  type GraphNode,
  toCallGraph,
} from "./callGraph";

function node(id: string, call: string, status: string, children: GraphNode[] = []): GraphNode {
  return {
    input_id: id,
    function_call_id: call,
    task_id: `ta-${id}`,
    status,
    function_name: `fn-${id}`,
    module_name: "app",
    children,
  };
}

// combine (in-1) called double once with .remote (in-2) and three times with .map (in-3..in-5),
// and in-3 called something itself (in-6).
const GRAPH: GraphNode[] = [
  node("in-1", "fc-root", "running", [
    node("in-2", "fc-a", "succeeded"),
    node("in-3", "fc-b", "succeeded", [node("in-6", "fc-c", "failed")]),
    node("in-4", "fc-b", "running"),
    node("in-5", "fc-b", "pending"),
  ]),
];

describe("toCallGraph", () => {
  it("types the children of every level as nodes", () => {
    const raw = {
      root_call_id: "fc-root",
      inputs: [{ ...node("in-1", "fc-root", "succeeded"), children: [{ ...node("in-2", "fc-a", "failed") }] }],
    } as unknown as CallGraphResponse;
    const graph = toCallGraph(raw);
    expect(graph.root_call_id).toBe("fc-root");
    expect(graph.inputs[0]!.children[0]!.input_id).toBe("in-2");
    expect(graph.inputs[0]!.children[0]!.children).toEqual([]);
  });

  it("gives a child that lacks children an empty list", () => {
    const child = { ...node("in-2", "fc-a", "failed") } as Partial<GraphNode>;
    delete child.children;
    const raw = { root_call_id: "fc-root", inputs: [{ ...node("in-1", "fc-root", "succeeded"), children: [child] }] };
    expect(toCallGraph(raw as unknown as CallGraphResponse).inputs[0]!.children[0]!.children).toEqual([]);
  });
});

describe("flattenGraph", () => {
  it("lists each parent before its children, with depth and parent", () => {
    const rows = flattenGraph(GRAPH);
    expect(rows.map((row) => [row.node.input_id, row.depth, row.parentInputId])).toEqual([
      ["in-1", 0, null],
      ["in-2", 1, "in-1"],
      ["in-3", 1, "in-1"],
      ["in-6", 2, "in-3"],
      ["in-4", 1, "in-1"],
      ["in-5", 1, "in-1"],
    ]);
  });

  it("is empty for an empty graph", () => {
    expect(flattenGraph([])).toEqual([]);
  });
});

describe("countStatuses", () => {
  it("counts every input at every depth", () => {
    expect(countStatuses(GRAPH)).toEqual([
      ["running", 2],
      ["succeeded", 2],
      ["failed", 1],
      ["pending", 1],
    ]);
  });
});

describe("describeStatuses", () => {
  it("sums the inputs and names each status", () => {
    expect(describeStatuses(GRAPH)).toBe("6 inputs: 2 running, 2 succeeded, 1 failed, 1 pending");
  });

  it("speaks of one input in the singular and spells timed out", () => {
    expect(describeStatuses([node("in-1", "fc", "timed_out")])).toBe("1 input: 1 timed out");
  });

  it("says when there is nothing", () => {
    expect(describeStatuses([])).toBe("No inputs.");
  });
});

describe("graphSettled", () => {
  it("is false while any input, however deep, is unfinished", () => {
    expect(graphSettled(GRAPH)).toBe(false);
    const deep = [node("in-1", "fc", "succeeded", [node("in-2", "fc-a", "succeeded", [node("in-3", "fc-b", "pending")])])];
    expect(graphSettled(deep)).toBe(false);
  });

  it("is true once every input is finished, whatever the way", () => {
    const done = [
      node("in-1", "fc", "failed", [
        node("in-2", "fc-a", "succeeded"),
        node("in-3", "fc-b", "cancelled"),
        node("in-4", "fc-c", "terminated"),
        node("in-5", "fc-d", "timed_out"),
      ]),
    ];
    expect(graphSettled(done)).toBe(true);
  });
});

describe("graphCallIds", () => {
  it("names each call once, in reading order", () => {
    expect(graphCallIds(GRAPH)).toEqual(["fc-root", "fc-a", "fc-b", "fc-c"]);
  });
});

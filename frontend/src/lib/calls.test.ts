import { describe, expect, it } from "vitest";

import { type CallSummary, mergeCalls, parseCallEvent, upsertCall } from "./calls";

function call(id: string, overrides: Partial<CallSummary> = {}): CallSummary {
  return {
    id,
    function_id: "fn-1",
    function_name: "square",
    kind: "remote",
    status: "pending",
    input_count: 1,
    created_at: "2025-01-01T00:00:00Z",
    finished_at: null,
    ...overrides,
  };
}

describe("upsertCall", () => {
  it("puts a new call at the top", () => {
    const older = [call("a", { created_at: "2025-01-01T00:00:01Z" })];
    const list = upsertCall(older, call("b", { created_at: "2025-01-01T00:00:02+00:00" }));
    expect(list.map((c) => c.id)).toEqual(["b", "a"]);
  });

  it("replaces a known call in place", () => {
    const list = [call("b", { created_at: "2025-01-01T00:00:02Z" }), call("a")];
    const next = upsertCall(list, call("a", { status: "running" }));
    expect(next.map((c) => [c.id, c.status])).toEqual([
      ["b", "pending"],
      ["a", "running"],
    ]);
    expect(list[1]!.status).toBe("pending"); // the input is not mutated
  });

  it("never moves a finished call back to an earlier status", () => {
    const list = [call("a", { status: "succeeded", finished_at: "2025-01-01T00:00:01Z" })];
    expect(upsertCall(list, call("a", { status: "running" }))[0]!.status).toBe("succeeded");
    expect(upsertCall(list, call("a", { status: "pending" }))[0]!.status).toBe("succeeded");
  });

  it("keeps at most `limit` calls, dropping the oldest", () => {
    let list: CallSummary[] = [];
    for (let i = 0; i < 5; i++) list = upsertCall(list, call(`c${i}`, { created_at: `2025-01-01T00:00:0${i}Z` }), 3);
    expect(list.map((c) => c.id)).toEqual(["c4", "c3", "c2"]);
  });
});

describe("mergeCalls", () => {
  it("adds a fetched page but keeps live updates that are newer", () => {
    const live = [call("a", { status: "succeeded" })];
    const page = [call("b", { created_at: "2025-01-01T00:00:05Z" }), call("a", { status: "running" })];
    expect(mergeCalls(live, page).map((c) => [c.id, c.status])).toEqual([
      ["b", "pending"],
      ["a", "succeeded"],
    ]);
  });
});

describe("parseCallEvent", () => {
  it("reads a call.updated message", () => {
    const message = JSON.stringify({ type: "call.updated", call: call("a", { status: "failed" }) });
    expect(parseCallEvent(message)).toEqual(call("a", { status: "failed" }));
  });

  it.each([
    ["not JSON", "{"],
    ["another type", JSON.stringify({ type: "log.line", call: call("a") })],
    ["an unknown status", JSON.stringify({ type: "call.updated", call: call("a", { status: "exploded" as never }) })],
    ["a missing field", JSON.stringify({ type: "call.updated", call: { id: "a" } })],
    ["binary data", new ArrayBuffer(4)],
  ])("ignores %s", (_, data) => {
    expect(parseCallEvent(data)).toBeNull();
  });
});

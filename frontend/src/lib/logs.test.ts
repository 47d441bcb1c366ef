import { describe, expect, it } from "vitest";

import { filterQuery, type LogLine, mergeLines, visibleWindow } from "./logs";

const line = (id: number): LogLine => ({
  id: String(id),
  app_id: "ap-1",
  app: "a",
  function_id: null,
  function: "",
  call_id: null,
  container_id: null,
  stream: "stdout",
  text: `line ${id}`,
  created_at: "2026-12-05T10:00:00Z",
});

describe("filterQuery", () => {
  it("keeps set filters and turns times into ISO", () => {
    expect(filterQuery({ app: "ap-1", q: " boom ", stream: "", since: "2026-12-05T10:00:00Z" })).toEqual({
      app: "ap-1",
      q: "boom",
      since: "2026-12-05T10:00:00.000Z",
    });
  });
});

describe("mergeLines", () => {
  it("adds each id once, in order, with older pages before", () => {
    const seen = new Set<string>();
    let lines = mergeLines([], [line(5), line(6)], seen);
    lines = mergeLines(lines, [line(6), line(7)], seen);
    lines = mergeLines(lines, [line(2), line(3)], seen);
    expect(lines.map((l) => l.id)).toEqual(["2", "3", "5", "6", "7"]);
  });
});

describe("visibleWindow", () => {
  it("renders only the rows in view and a margin", () => {
    expect(visibleWindow(100_000, 200_000, 400, 20, 10)).toEqual({ start: 9990, end: 10030 });
    expect(visibleWindow(5, 0, 400, 20, 10)).toEqual({ start: 0, end: 5 });
  });
});

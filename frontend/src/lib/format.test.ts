import { describe, expect, it } from "vitest";

import { formatDuration } from "./format";

describe("formatDuration", () => {
  const start = "2025-01-01T00:00:00Z";

  it.each([
    ["2025-01-01T00:00:00.850Z", "850 ms"],
    ["2025-01-01T00:00:12.340+00:00", "12.3 s"],
    ["2025-01-01T00:04:05Z", "4 min 05 s"],
    ["2025-01-01T02:03:00Z", "2 h 03 min"],
  ])("formats %s", (end, text) => {
    expect(formatDuration(start, end)).toBe(text);
  });

  it("shows a dash for an unfinished call", () => {
    expect(formatDuration(start, null)).toBe("—");
  });
});

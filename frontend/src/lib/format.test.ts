import { describe, expect, it } from "vitest";

import { formatBytes, formatDuration } from "./format";

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

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KiB"],
    [3 * 1024 * 1024, "3.0 MiB"],
    [2.4 * 1024 ** 3, "2.4 GiB"],
  ])("formats %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

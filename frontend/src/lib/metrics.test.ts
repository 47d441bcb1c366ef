import { describe, expect, it } from "vitest";

import { CHARTS, chartData, deployMarks, formatSeconds, type FunctionMetrics, hasData } from "./metrics";

function metrics(overrides: Partial<FunctionMetrics["series"]> = {}): FunctionMetrics {
  const empty = [null, null];
  const series = Object.fromEntries(
    CHARTS.flatMap((c) => c.lines.map((l) => [l.series, empty])).concat([
      ["succeeded", empty],
      ["failed", empty],
      ["cold_starts", empty],
    ]),
  ) as FunctionMetrics["series"];
  return {
    window: "1h",
    step_seconds: 60,
    start: "2026-01-01T00:00:00Z",
    end: "2026-01-01T00:02:00Z",
    times: ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"],
    series: { ...series, ...overrides },
    deploys: [
      { version: 3, at: "2026-01-01T00:01:30Z", by: "alice" },
      { version: 2, at: "2025-12-31T00:00:00Z", by: "" },
    ],
    totals: { inputs: 0, succeeded: 0, failed: 0 },
  };
}

describe("chartData", () => {
  it("gives epoch seconds and one column per line, percentages scaled", () => {
    const success = CHARTS.find((c) => c.id === "success")!;
    expect(chartData(metrics({ success_rate: [0.5, null] }), success)).toEqual([
      [1767225600, 1767225660],
      [50, null],
    ]);
  });
  it("knows an empty chart", () => {
    const latency = CHARTS.find((c) => c.id === "latency")!;
    expect(hasData(metrics(), latency)).toBe(false);
    expect(hasData(metrics({ latency_p95: [null, 2] }), latency)).toBe(true);
  });
});

describe("deployMarks", () => {
  it("keeps the deploys inside the window", () => {
    expect(deployMarks(metrics())).toEqual([{ at: 1767225690, label: "v3 by alice" }]);
  });
});

describe("formatSeconds", () => {
  it("formats short and long durations", () => {
    expect(formatSeconds(0.085)).toBe("85 ms");
    expect(formatSeconds(1.24)).toBe("1.2 s");
    expect(formatSeconds(null)).toBe("—");
  });
});

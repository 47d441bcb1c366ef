/**
 * The function page's charts: which series each chart draws, from GET /functions/{id}/metrics/.
 *
 * Pure functions (no chart library here), so that they are unit-tested without a browser.
 */
import type { components } from "../api/schema";

export type FunctionMetrics = components["schemas"]["FunctionMetrics"];
export type SeriesName = keyof FunctionMetrics["series"];

export const WINDOWS = ["1h", "6h", "24h", "7d"] as const;
export type Window = (typeof WINDOWS)[number];

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  /** Each line's colour is a CSS variable of styles.css (`--chart-1`…), read for the theme in effect. */
  lines: { series: SeriesName; label: string; color: string }[];
}

export const CHARTS: readonly ChartSpec[] = [
  { id: "rate", title: "Inputs per second", unit: "/s", lines: [{ series: "inputs_per_second", label: "inputs/s", color: "--chart-1" }] },
  { id: "success", title: "Success rate", unit: "%", lines: [{ series: "success_rate", label: "success", color: "--chart-3" }] },
  {
    id: "latency",
    title: "Latency",
    unit: "s",
    lines: [
      { series: "latency_p50", label: "p50", color: "--chart-1" },
      { series: "latency_p95", label: "p95", color: "--chart-2" },
    ],
  },
  {
    id: "queue",
    title: "Queue time",
    unit: "s",
    lines: [
      { series: "queue_p50", label: "p50", color: "--chart-1" },
      { series: "queue_p95", label: "p95", color: "--chart-2" },
    ],
  },
  { id: "cold", title: "Cold-start time (p50)", unit: "s", lines: [{ series: "cold_start_p50", label: "cold start", color: "--chart-4" }] },
  {
    id: "inputs",
    title: "Pending vs running inputs",
    unit: "",
    lines: [
      { series: "pending", label: "pending", color: "--chart-2" },
      { series: "running", label: "running", color: "--chart-1" },
    ],
  },
  { id: "containers", title: "Containers", unit: "", lines: [{ series: "containers", label: "containers", color: "--chart-3" }] },
  {
    id: "usage",
    title: "CPU (cores used) and memory (GiB charged)",
    unit: "",
    lines: [
      { series: "cpu_cores", label: "CPU cores", color: "--chart-1" },
      { series: "memory_gib", label: "memory GiB", color: "--chart-4" },
    ],
  },
];

/** Columns as uPlot takes them: times in seconds since the epoch, then one list per line. */
export function chartData(metrics: FunctionMetrics, spec: ChartSpec): (number | null)[][] {
  const times = metrics.times.map((t) => Date.parse(t) / 1000);
  const scale = spec.unit === "%" ? 100 : 1;
  const lines = spec.lines.map(({ series }) =>
    metrics.series[series].map((v) => (v === null || v === undefined ? null : v * scale)),
  );
  return [times, ...lines];
}

/** Whether a chart has anything to draw (some value that is not null). */
export function hasData(metrics: FunctionMetrics, spec: ChartSpec): boolean {
  return spec.lines.some(({ series }) => metrics.series[series].some((v) => v !== null && v !== undefined));
}

/** The deploy markers inside the window, as seconds since the epoch with their label. */
export function deployMarks(metrics: FunctionMetrics): { at: number; label: string }[] {
  const start = Date.parse(metrics.start);
  const end = Date.parse(metrics.end);
  return metrics.deploys
    .map((d) => ({ at: Date.parse(d.at), label: `v${d.version}${d.by ? ` by ${d.by}` : ""}` }))
    .filter((d) => d.at >= start && d.at < end)
    .map((d) => ({ at: d.at / 1000, label: d.label }));
}

/** "1.2 s", "85 ms", "—". */
export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  return `${value.toFixed(1)} s`;
}

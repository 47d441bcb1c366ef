/** Usage, budgets and costs as the dashboard shows them: sums, chart series, CSV, the banner's pick. */
import type { Schemas } from "@skylift/client";

export type UsageReport = Schemas["UsageReport"];
export type UsageRow = Schemas["UsageRow"];
export type Budget = Schemas["Budget"];
export type StandingCost = Schemas["StandingCost"];
export type Statement = Schemas["Statement"];

export type Breakdown = "app" | "function" | "resource";

/** "$12.34"; below a cent, two significant digits ("$0.0031", "$0.000012"); "$0.00" for nothing.
 * The same rule as the statements' (billing/statements.py `money`). */
export function money(value: number): string {
  if (value === 0) return "$0.00";
  const size = Math.abs(value);
  const digits = size >= 0.01 ? 2 : Math.min(8, Math.max(4, Math.ceil(-Math.log10(size)) + 1));
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** What a row of a report is grouped by, as a label: the app, "app / function" or the resource. */
export function groupOf(row: UsageRow, by: Breakdown): string {
  if (by === "app") return row.app ?? "";
  if (by === "function") return `${row.app ?? ""} / ${row.function ?? ""}`;
  return row.resource;
}

export interface BreakdownLine {
  group: string;
  resources: Record<string, { quantity: number; unit: string; cost: number }>;
  cost: number;
}

/** One line per group over the whole range, costliest first, with its quantity per resource. */
export function breakdown(report: UsageReport, by: Breakdown): BreakdownLine[] {
  const lines = new Map<string, BreakdownLine>();
  for (const row of report.results) {
    const group = groupOf(row, by);
    const line = lines.get(group) ?? { group, resources: {}, cost: 0 };
    const resource = (line.resources[row.resource] ??= { quantity: 0, unit: row.unit, cost: 0 });
    resource.quantity += row.quantity;
    resource.cost += row.cost;
    line.cost += row.cost;
    lines.set(group, line);
  }
  return [...lines.values()].sort((a, b) => b.cost - a.cost || a.group.localeCompare(b.group));
}

export interface CostSeries {
  /** Start of each period, Unix seconds, ascending, every period of the range (none skipped). */
  times: number[];
  /** Per group (the costliest first, at most `limit`, the rest as "other"): its cost in each period. */
  lines: { label: string; values: number[] }[];
}

/** Cost per period and group for the chart: every day (or hour) from start to end, zero where none. */
export function costSeries(
  report: UsageReport,
  by: Breakdown,
  granularity: "day" | "hour",
  limit = 6,
): CostSeries {
  const step = granularity === "day" ? 86400 : 3600;
  const first = Math.floor(Date.parse(report.start) / 1000 / step) * step;
  const end = Date.parse(report.end) / 1000;
  const times: number[] = [];
  for (let t = first; t < end; t += step) times.push(t);
  const top = breakdown(report, by)
    .slice(0, limit)
    .map((line) => line.group);
  const others = breakdown(report, by).length > limit;
  const labels = others ? [...top, "other"] : top;
  const index = new Map(times.map((t, i) => [t, i]));
  const lines = labels.map((label) => ({ label, values: times.map(() => 0) }));
  for (const row of report.results) {
    const at = index.get(Date.parse(row.period) / 1000);
    const group = groupOf(row, by);
    const line = lines[top.includes(group) ? top.indexOf(group) : labels.length - 1];
    if (at === undefined || line === undefined) continue;
    line.values[at] = (line.values[at] ?? 0) + row.cost;
  }
  return { times, lines };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report's rows as CSV, the columns `skylift billing report --csv` prints. */
export function usageCsv(report: UsageReport, by: Breakdown): string {
  const columns = by === "app" ? ["app"] : by === "function" ? ["app", "function"] : [];
  const header = ["period", ...columns, "resource", "quantity", "unit", "cost_usd"];
  const lines = report.results.map((row) =>
    [
      row.period,
      ...columns.map((c) => (c === "app" ? (row.app ?? "") : (row.function ?? ""))),
      row.resource,
      row.quantity,
      row.unit,
      row.cost,
    ]
      .map(csvCell)
      .join(","),
  );
  return [header.join(","), ...lines].join("\n") + "\n";
}

/** Sent on `window` when a page changed the budgets: the banner reads them again. */
export const BUDGETS_CHANGED = "skylift:budgets-changed";

export function budgetsChanged(): void {
  window.dispatchEvent(new Event(BUDGETS_CHANGED));
}

/** The budgets the banner names: those at 80 % or more of their cap this period, the fullest first. */
export function alarming(budgets: Budget[]): Budget[] {
  return budgets.filter((b) => b.threshold >= 80).sort((a, b) => b.threshold - a.threshold);
}

/** "The workspace's monthly budget" or "The app api's daily cap". */
export function budgetName(budget: Budget): string {
  const period = budget.period === "day" ? "daily" : "monthly";
  return budget.app ? `The app ${budget.app}'s ${period} cap` : `The workspace's ${period} budget`;
}

/** The banner's sentence for one budget. */
export function bannerText(budget: Budget): string {
  const spent = `${money(budget.spend_usd)} of ${money(budget.limit_usd)} spent`;
  if (budget.reached) return `${budgetName(budget)} is reached (${spent}): no new container starts.`;
  return `${budgetName(budget)} is at ${budget.threshold} % (${spent}).`;
}

/** A month as YYYY-MM (UTC), this one by default. */
export function monthOf(date = new Date()): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** "$0.0123 an hour, $8.98 a month while idle". */
export function idleText(cost: StandingCost): string {
  return `${money(cost.per_hour)} an hour, ${money(cost.per_month)} a month while idle`;
}

/** One sentence per cap: what it allows an hour, and whether the idle cost alone exceeds it. */
export function capTexts(cost: StandingCost): string[] {
  return cost.caps.map((cap) => {
    const whose = cap.scope === "app" ? "The app's" : "The workspace's";
    const period = cap.period === "day" ? "daily" : "monthly";
    const over = cap.exceeded ? `: exceeded by the idle cost alone (${money(cap.idle_per_period)} a ${cap.period})` : "";
    return `${whose} ${period} cap of ${money(cap.limit_usd)} allows ${money(cap.allows_per_hour)} an hour${over}`;
  });
}

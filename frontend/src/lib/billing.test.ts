import { describe, expect, it } from "vitest";

import {
  alarming,
  bannerText,
  breakdown,
  type Budget,
  capTexts,
  costSeries,
  money,
  monthOf,
  type StandingCost,
  type UsageReport,
  usageCsv,
} from "./billing";

function report(rows: Partial<UsageReport["results"][number]>[]): UsageReport {
  return {
    start: "2026-12-01T00:00:00Z",
    end: "2026-12-04T00:00:00Z",
    by: "app",
    granularity: "day",
    total_cost: rows.reduce((n, r) => n + (r.cost ?? 0), 0),
    results: rows.map((r) => ({
      period: "2026-12-01T00:00:00Z",
      kind: "function",
      resource: "cpu",
      unit: "core-seconds",
      quantity: 1,
      cost: 0,
      ...r,
    })),
  };
}

function budget(overrides: Partial<Budget>): Budget {
  return {
    id: "bu-1",
    app_id: null,
    app: null,
    limit_usd: 10,
    period: "month",
    spend_usd: 0,
    reached: false,
    threshold: 0,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    ...overrides,
  } as Budget;
}

describe("money", () => {
  it("shows cents, and two significant digits below a cent", () => {
    expect(money(0)).toBe("$0.00");
    expect(money(1234.5)).toBe("$1,234.50");
    expect(money(0.0031)).toBe("$0.0031");
    expect(money(0.0000123)).toBe("$0.000012");
  });
});

describe("breakdown and costSeries", () => {
  const usage = report([
    { app: "api", cost: 2, period: "2026-12-01T00:00:00Z" },
    { app: "api", resource: "memory", unit: "GiB-seconds", quantity: 4, cost: 1, period: "2026-12-03T00:00:00Z" },
    { app: "etl", cost: 5, period: "2026-12-02T00:00:00Z" },
  ]);

  it("sums each group over the range, costliest first", () => {
    const lines = breakdown(usage, "app");
    expect(lines.map((l) => [l.group, l.cost])).toEqual([
      ["etl", 5],
      ["api", 3],
    ]);
    expect(lines[1]?.resources.memory).toEqual({ quantity: 4, unit: "GiB-seconds", cost: 1 });
  });

  it("puts every day of the range on the chart, zero where none, the rest as other", () => {
    const series = costSeries(usage, "app", "day", 1);
    expect(series.times).toEqual([1796083200, 1796169600, 1796256000]);
    expect(series.lines).toEqual([
      { label: "etl", values: [0, 5, 0] },
      { label: "other", values: [2, 0, 1] },
    ]);
  });

  it("exports the rows as CSV with the CLI's columns, quoting what needs it", () => {
    const csv = usageCsv(report([{ app: 'a,"b"', cost: 0.5 }]), "app");
    expect(csv).toBe('period,app,resource,quantity,unit,cost_usd\n2026-12-01T00:00:00Z,"a,""b""",cpu,1,core-seconds,0.5\n');
  });
});

describe("the banner", () => {
  it("names the budgets at 80 % or more, the fullest first", () => {
    const picked = alarming([
      budget({ id: "a", threshold: 50 }),
      budget({ id: "b", threshold: 80, spend_usd: 8.5 }),
      budget({ id: "c", threshold: 100, reached: true, app: "api", period: "day", spend_usd: 12 }),
    ]);
    expect(picked.map((b) => b.id)).toEqual(["c", "b"]);
    expect(picked.map(bannerText)).toEqual([
      "The app api's daily cap is reached ($12.00 of $10.00 spent): no new container starts.",
      "The workspace's monthly budget is at 80 % ($8.50 of $10.00 spent).",
    ]);
  });
});

describe("standing cost", () => {
  it("says what each cap allows an hour, and when the idle cost alone exceeds it", () => {
    const cost = {
      per_hour: 1,
      per_month: 730,
      buffer_per_hour: 0,
      functions: [],
      price_version: 1,
      caps: [
        { budget_id: "b", scope: "app", period: "day", limit_usd: 12, idle_per_period: 24, allows_per_hour: 0.5, exceeded: true },
      ],
    } as StandingCost;
    expect(capTexts(cost)).toEqual([
      "The app's daily cap of $12.00 allows $0.50 an hour: exceeded by the idle cost alone ($24.00 a day)",
    ]);
  });
});

describe("monthOf", () => {
  it("is YYYY-MM in UTC", () => {
    expect(monthOf(new Date("2026-12-31T23:30:00Z"))).toBe("2026-12");
  });
});

import { type FormEvent, useMemo, useState } from "react";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { Empty, ErrorNotice } from "../components/Notice";
import {
  type Breakdown,
  breakdown,
  costSeries,
  money,
  monthOf,
  type UsageReport,
  usageCsv,
} from "../lib/billing";
import { CostChart } from "./usage/CostChart";

const BREAKDOWNS: { by: Breakdown; title: string }[] = [
  { by: "app", title: "By app" },
  { by: "function", title: "By function" },
  { by: "resource", title: "By resource" },
];

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function defaultRange(): { start: string; end: string } {
  const tomorrow = new Date(Date.now() + 86400_000);
  return { start: day(new Date(Date.now() - 29 * 86400_000)), end: day(tomorrow) };
}

/** Download `text` as a file (a blob URL on a link clicked at once). */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/** The workspace's usage over a chosen range: a chart of cost over time, breakdowns, CSV, statements. */
export default function UsagePage() {
  const [form, setForm] = useState({ ...defaultRange(), granularity: "day" as "day" | "hour", chartBy: "app" as Breakdown });
  const [query, setQuery] = useState(form);
  const [month, setMonth] = useState(monthOf());
  const reports = useResource(
    () =>
      Promise.all(
        BREAKDOWNS.map(({ by }) =>
          api.get("/api/v1/usage/", {
            query: { start: query.start, end: query.end, by, granularity: query.granularity },
          }),
        ),
      ),
    [query.start, query.end, query.granularity],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQuery(form);
  };

  return (
    <section>
      <h1>Usage</h1>
      <form className="panel form filters" onSubmit={submit} aria-label="Range">
        <div className="field">
          <label htmlFor="usage-start">From</label>
          <input id="usage-start" type="date" value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="usage-end">Before</label>
          <input id="usage-end" type="date" value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="usage-granularity">Per</label>
          <select
            id="usage-granularity"
            value={form.granularity}
            onChange={(e) => setForm({ ...form, granularity: e.target.value as "day" | "hour" })}
          >
            <option value="day">day</option>
            <option value="hour">hour</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-chart-by">Chart by</label>
          <select
            id="usage-chart-by"
            value={form.chartBy}
            onChange={(e) => {
              const chartBy = e.target.value as Breakdown;
              setForm({ ...form, chartBy });
              setQuery({ ...query, chartBy });
            }}
          >
            {BREAKDOWNS.map(({ by }) => (
              <option key={by} value={by}>
                {by}
              </option>
            ))}
          </select>
        </div>
        <p className="actions">
          <button type="submit" className="primary">
            Show
          </button>
        </p>
      </form>
      {reports.status === "loading" && <p className="muted">Loading…</p>}
      {reports.status === "error" && <ErrorNotice error={reports.error} />}
      {reports.status === "ready" && <UsageReports reports={reports.data} query={query} />}
      <div className="panel" role="region" aria-label="Statement">
        <h2>Monthly statement</h2>
        <p>
          <label htmlFor="statement-month">Month </label>
          <input id="statement-month" type="month" value={month} onChange={(e) => setMonth(e.target.value)} />{" "}
          <a href={`/api/v1/statements/html/?month=${encodeURIComponent(month)}`} target="_blank" rel="noreferrer">
            Statement (HTML)
          </a>{" "}
          · <a href={`/api/v1/statements/pdf/?month=${encodeURIComponent(month)}`}>Statement (PDF)</a>
        </p>
      </div>
    </section>
  );
}

function UsageReports({
  reports,
  query,
}: {
  reports: UsageReport[];
  query: { start: string; end: string; granularity: "day" | "hour"; chartBy: Breakdown };
}) {
  const byKind = Object.fromEntries(BREAKDOWNS.map(({ by }, i) => [by, reports[i]])) as Record<Breakdown, UsageReport>;
  const chart = byKind[query.chartBy];
  const series = useMemo(() => costSeries(chart, query.chartBy, query.granularity), [chart, query.chartBy, query.granularity]);
  const total = byKind.app.total_cost;
  return (
    <>
      <p>
        Total from {query.start} to before {query.end}: <strong data-testid="usage-total">{money(total)}</strong>{" "}
        <button
          type="button"
          onClick={() => download(`usage-${query.start}-${query.end}-by-${query.chartBy}.csv`, usageCsv(chart, query.chartBy))}
        >
          Export CSV
        </button>
      </p>
      {chart.results.length === 0 ? (
        <Empty>No usage in this range.</Empty>
      ) : (
        <div className="panel chart">
          <h2>Cost per {query.granularity}</h2>
          <CostChart series={series} label={`Cost per ${query.granularity} by ${query.chartBy}`} />
        </div>
      )}
      {BREAKDOWNS.map(({ by, title }) => (
        <BreakdownTable key={by} report={byKind[by]} by={by} title={title} />
      ))}
    </>
  );
}

function quantity(resource?: { quantity: number; unit: string }): string {
  return resource ? `${+resource.quantity.toPrecision(4)} ${resource.unit}` : "—";
}

function BreakdownTable({ report, by, title }: { report: UsageReport; by: Breakdown; title: string }) {
  const lines = breakdown(report, by);
  if (lines.length === 0) return null;
  const resources = [...new Set(lines.flatMap((line) => Object.keys(line.resources)))].sort();
  return (
    <>
      <h2>{title}</h2>
      <table aria-label={`Usage ${title.toLowerCase()}`}>
        <thead>
          <tr>
            <th scope="col">{by === "resource" ? "Resource" : by === "app" ? "App" : "App / function"}</th>
            {by !== "resource" && resources.map((r) => <th key={r} scope="col">{r}</th>)}
            {by === "resource" && <th scope="col">Quantity</th>}
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.group}>
              <td>{line.group}</td>
              {by !== "resource" &&
                resources.map((r) => (
                  <td key={r}>{quantity(line.resources[r])}</td>
                ))}
              {by === "resource" && <td>{quantity(line.resources[line.group])}</td>}
              <td>{money(line.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

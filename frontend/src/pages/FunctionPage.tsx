import { type FormEvent, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";

import { api, ApiError, type Func } from "../api/client";
import { useResource } from "../api/useResource";
import { CallsTable } from "../components/CallsTable";
import { Empty, ErrorNotice, WaitingNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { CHARTS, hasData, type Window, WINDOWS } from "../lib/metrics";
import { Chart } from "./function/Chart";

/**
 * A function (`/functions/{id}`): its resources and scaling (editable live), charts over a chosen
 * window with the deploys marked, and its calls. Loaded lazily with its chart library, so the
 * main bundle does not carry it.
 */
export default function FunctionPage() {
  const { id = "" } = useParams();
  const [fn, setFn] = useState<Func | null>(null);
  const loaded = useResource(() => api.get("/api/v1/functions/{id}/", { path: { id } }), [id]);

  if (loaded.status === "error") {
    if (loaded.error instanceof ApiError && loaded.error.status === 404) {
      return (
        <section>
          <h1>No such function</h1>
          <p>
            This workspace has no function with that id. <Link to="/">Back to the apps</Link>.
          </p>
        </section>
      );
    }
    return <ErrorNotice error={loaded.error} />;
  }
  const ready = loaded.status === "ready" ? (fn && fn.id === loaded.data.id ? fn : loaded.data) : null;
  // The charts need only the id: their request goes out beside the function's own, and they keep
  // their place (and their data) when the function arrives.
  return (
    <>
      {ready ? <FunctionHeader fn={ready} /> : <p className="muted">Loading…</p>}
      {ready && <ScalingSection fn={ready} onSaved={setFn} />}
      <ChartsSection functionId={id} name={ready?.name} />
      {ready && (
        <section aria-labelledby="function-calls-title">
          <h2 id="function-calls-title">Calls</h2>
          <CallsTable query={{ app: ready.app_id, function_name: ready.name }} label="Function calls" />
        </section>
      )}
    </>
  );
}

function AppCrumb({ appId }: { appId: string }) {
  const app = useResource(() => api.get("/api/v1/apps/{id}/", { path: { id: appId } }), [appId]);
  return <Link to={`/apps/${encodeURIComponent(appId)}`}>{app.status === "ready" ? app.data.name : appId}</Link>;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
    return entries.length ? entries.map(([k, v]) => `${k} ${String(v)}`).join(", ") : "—";
  }
  return String(value);
}

function FunctionHeader({ fn }: { fn: Func }) {
  const definition = (fn.definition ?? {}) as Record<string, unknown>;
  const urls = Object.entries(fn.web_urls ?? {});
  return (
    <section className="app-header">
      <p className="breadcrumb">
        <Link to="/">Apps</Link> / <AppCrumb appId={fn.app_id} /> /
      </p>
      <h1>{fn.name}</h1>
      <dl className="facts" aria-label="Function facts">
        <dt>ID</dt>
        <dd>
          <code>{fn.id}</code>
        </dd>
        <dt>Entry point</dt>
        <dd>
          <code>{fn.module ? `${fn.module}.${fn.qualname}` : fn.qualname}</code>
        </dd>
        <dt>Resources</dt>
        <dd data-testid="resources">
          {fn.cpu} CPU · {fn.memory} MiB · timeout {fn.timeout} s
        </dd>
        <dt>GPU</dt>
        <dd>{fn.gpu || "none"}</dd>
        <dt>Concurrency</dt>
        <dd>{describe(definition.concurrency)}</dd>
        {definition.batching !== undefined && (
          <>
            <dt>Batching</dt>
            <dd>{describe(definition.batching)}</dd>
          </>
        )}
        <dt>Web URL</dt>
        <dd>
          {urls.length === 0
            ? "—"
            : urls.map(([method, url]) => (
                <div key={method}>
                  {method && <span className="muted">{method}: </span>}
                  <a href={url}>{url}</a>
                </div>
              ))}
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(fn.created_at)}</dd>
        {fn.retired_at && (
          <>
            <dt>Retired</dt>
            <dd>{formatDateTime(fn.retired_at)} (a later version replaced it)</dd>
          </>
        )}
      </dl>
      <WaitingNotice reason={fn.waiting_reason} since={fn.waiting_since} />
    </section>
  );
}

const KNOBS = [
  { name: "min_containers", label: "Min containers" },
  { name: "max_containers", label: "Max containers" },
  { name: "buffer_containers", label: "Buffer containers" },
  { name: "scaledown_window", label: "Scale-down window (s)" },
] as const;
type Knob = (typeof KNOBS)[number]["name"];

/** min, max, buffer containers and the scale-down window, changed live (`update_autoscaler`). */
function ScalingSection({ fn, onSaved }: { fn: Func; onSaved: (fn: Func) => void }) {
  const initial = () =>
    Object.fromEntries(KNOBS.map(({ name }) => [name, fn[name] === null || fn[name] === undefined ? "" : String(fn[name])])) as Record<Knob, string>;
  const [values, setValues] = useState<Record<Knob, string>>(initial);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const field = error instanceof ApiError ? error.detail.field : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    const body: Record<string, number | null> = {};
    for (const { name } of KNOBS) {
      const text = values[name].trim();
      if (text !== "") body[name] = Number(text);
    }
    api.post("/api/v1/functions/{id}/autoscaler/", { path: { id: fn.id }, body }).then(
      (updated) => {
        setBusy(false);
        setSaved(true);
        onSaved(updated);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  return (
    <section aria-labelledby="scaling-title">
      <h2 id="scaling-title">Scaling</h2>
      <form className="scaling-form" onSubmit={submit} aria-label="Scaling">
        {KNOBS.map(({ name, label }) => (
          <div key={name} className="field">
            <label htmlFor={`knob-${name}`}>{label}</label>
            <input
              id={`knob-${name}`}
              inputMode="numeric"
              value={values[name]}
              placeholder={name === "max_containers" ? "no limit" : ""}
              aria-invalid={field === name ? "true" : undefined}
              onChange={(e) => setValues({ ...values, [name]: e.target.value })}
            />
            {field === name && (
              <p className="error small" role="alert">
                {(error as ApiError).message}
              </p>
            )}
          </div>
        ))}
        <button type="submit" className="primary" disabled={busy}>
          Apply
        </button>
      </form>
      {saved && (
        <p role="status" className="muted">
          Saved: the autoscaler applies it on its next tick.
        </p>
      )}
      {error !== null && !field && <ErrorNotice error={error} />}
    </section>
  );
}

function ChartsSection({ functionId, name }: { functionId: string; name?: string }) {
  const [search, setSearch] = useSearchParams();
  const asked = search.get("window");
  const window: Window = (WINDOWS as readonly string[]).includes(asked ?? "") ? (asked as Window) : "1h";
  const [reloads, setReloads] = useState(0);
  const metrics = useResource(
    () => api.get("/api/v1/functions/{id}/metrics/", { path: { id: functionId }, query: { window } }),
    [functionId, window, reloads],
  );
  return (
    <section aria-labelledby="charts-title">
      <div className="section-title">
        <h2 id="charts-title">Metrics</h2>
        <div role="group" aria-label="Window" className="segmented">
          {WINDOWS.map((w) => (
            <button
              key={w}
              type="button"
              aria-pressed={w === window}
              onClick={() => setSearch(w === "1h" ? {} : { window: w }, { replace: true })}
            >
              {w}
            </button>
          ))}
          <button type="button" onClick={() => setReloads((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted small">
        Every version and variant of {name ?? "the function"}; dashed lines mark deploys.
      </p>
      {metrics.status === "loading" && <p className="muted">Loading…</p>}
      {metrics.status === "error" && <ErrorNotice error={metrics.error} />}
      {metrics.status === "ready" && (
        <>
          <p data-testid="metrics-totals">
            {metrics.data.totals.inputs} inputs · {metrics.data.totals.succeeded} succeeded ·{" "}
            {metrics.data.totals.failed} failed in the last {window}
          </p>
          {metrics.data.deploys.length > 0 && (
            <p className="small" data-testid="deploys">
              Deploys in this window:{" "}
              {metrics.data.deploys
                .map((d) => `v${d.version} ${formatDateTime(d.at)}${d.by ? ` by ${d.by}` : ""}`)
                .join(" · ")}
            </p>
          )}
          <div className="charts">
            {CHARTS.map((spec) => (
              <figure key={spec.id} className="chart" data-testid="chart" data-chart={spec.id}>
                <figcaption>{spec.title}</figcaption>
                {hasData(metrics.data, spec) ? (
                  <Chart metrics={metrics.data} spec={spec} />
                ) : (
                  <Empty>Nothing in this window.</Empty>
                )}
              </figure>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

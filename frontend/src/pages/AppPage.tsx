import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";

import { api, ApiError, type App } from "../api/client";
import { useResource } from "../api/useResource";
import { AppStateBadge, StatusBadge } from "../components/Badge";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { StandingCostFacts } from "../components/StandingCost";
import { preloadFunctionPage } from "./functionPageLoader";
import { type CallSummary, mergeCalls, upsertCall } from "../lib/calls";
import { formatDateTime, formatDuration } from "../lib/format";
import { type LiveState, useAppEvents } from "../lib/useAppEvents";
import { SchedulesSection } from "./app/SchedulesSection";
import { VersionsSection } from "./app/VersionsSection";
import { WebEndpointsSection } from "./app/WebEndpointsSection";

export function AppPage() {
  useEffect(preloadFunctionPage, []); // it links to its functions
  const { id = "" } = useParams();
  const [reloads, setReloads] = useState(0);
  const app = useResource(() => api.get("/api/v1/apps/{id}/", { path: { id } }), [id, reloads]);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  // Said after a reload too: the page had acted on what it showed, and it had changed meanwhile.
  const [stale, setStale] = useState<string | null>(null);

  if (app.status === "loading") return <p className="muted">Loading…</p>;
  if (app.status === "error") {
    if (app.error instanceof ApiError && app.error.status === 404) {
      return (
        <section>
          <h1>No such app</h1>
          <p>
            This workspace has no app with that id. <Link to="/">Back to the apps</Link>.
          </p>
        </section>
      );
    }
    return <ErrorNotice error={app.error} />;
  }
  return (
    <>
      <AppHeader app={app.data} onChanged={reload} onStale={setStale} />
      {stale && (
        <p role="status" className="notice">
          {stale}
        </p>
      )}
      {app.data.state === "deployed" && <SchedulesSection key={`s${reloads}`} appId={app.data.id} />}
      <FunctionsSection key={`f${reloads}`} appId={app.data.id} />
      {app.data.live_version !== null && app.data.live_version !== undefined && (
        <VersionsSection app={app.data} onChanged={reload} />
      )}
      <CallsSection key={app.data.id} appId={app.data.id} />
    </>
  );
}

function StopButton({
  app,
  onStopped,
  onStale,
}: {
  app: App;
  onStopped: () => void;
  /** The app was stopped meanwhile (this page is older than that): what to tell the user. */
  onStale: (message: string) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (app.state === "stopped") return null;
  const stop = () => {
    setError(null);
    // A page loaded before someone else (or the platform) stopped the app says so, not "stopped".
    api
      .get("/api/v1/apps/{id}/", { path: { id: app.id } })
      .then((now) => {
        if (now.state === "stopped") {
          onStale(staleStop(app.name, now.stopped_at));
          onStopped();
          return;
        }
        return api.post("/api/v1/apps/{id}/stop/", { path: { id: app.id } }).then(onStopped);
      })
      .catch((e: unknown) => setError(e));
  };
  return (
    <div className="actions">
      {!confirming && (
        <button type="button" onClick={() => setConfirming(true)}>
          Stop app…
        </button>
      )}
      {confirming && (
        <p>
          Stopping cancels the app&apos;s unfinished calls and stops its containers
          {app.state === "deployed" && "; its functions can no longer be looked up"}.{" "}
          <button type="button" className="primary" onClick={stop}>
            Stop {app.name}
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

/** The live version's idle cost (billing/standing.py, as `skylift deploy` prints it). */
function AppStandingCost({ appId }: { appId: string }) {
  const cost = useResource(() => api.get("/api/v1/apps/{id}/standing-cost/", { path: { id: appId } }), [appId]);
  if (cost.status === "ready") return <StandingCostFacts cost={cost.data} label="Standing cost" />;
  // A line of the same height meanwhile: the page below does not jump when the cost arrives
  // (a click aimed at a call's link would land elsewhere).
  return (
    <div className="standing-cost" role="group" aria-label="Standing cost" aria-busy={cost.status === "loading"}>
      <p>
        <span className="strong">Standing cost: </span>
        <span className="muted">{cost.status === "loading" ? "…" : "not available"}</span>
      </p>
    </div>
  );
}

/** What a page that tried to stop an app someone stopped meanwhile says. */
function staleStop(name: string, stoppedAt: string | null | undefined): string {
  const when = stoppedAt ? ` at ${formatDateTime(stoppedAt)}` : "";
  return `${name} was already stopped${when}, since this page was loaded (by someone else, or by the platform).`;
}

function AppHeader({
  app,
  onChanged,
  onStale,
}: {
  app: App;
  onChanged: () => void;
  onStale: (message: string) => void;
}) {
  return (
    <section className="app-header">
      <p className="breadcrumb">
        <Link to="/">Apps</Link> /
      </p>
      <h1>
        {app.name} <AppStateBadge state={app.state} />
      </h1>
      {app.description && <p className="description">{app.description}</p>}
      <dl className="facts">
        <dt>ID</dt>
        <dd>
          <code>{app.id}</code>
        </dd>
        {app.environment && (
          <>
            <dt>Environment</dt>
            <dd>{app.environment}</dd>
          </>
        )}
        {app.live_version !== null && app.live_version !== undefined && (
          <>
            <dt>Live version</dt>
            <dd data-testid="live-version">v{app.live_version}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatDateTime(app.created_at)}</dd>
        {app.stopped_at && (
          <>
            <dt>Stopped</dt>
            <dd>{formatDateTime(app.stopped_at)}</dd>
          </>
        )}
      </dl>
      {app.state !== "stopped" && <AppStandingCost appId={app.id} />}
      <StopButton app={app} onStopped={onChanged} onStale={onStale} />
    </section>
  );
}

function FunctionsSection({ appId }: { appId: string }) {
  const functions = useResource(
    () => api.get("/api/v1/functions/", { query: { app: appId, limit: 500 } }),
    [appId],
  );
  const current =
    functions.status === "ready" ? functions.data.results.filter((fn) => !fn.retired_at && !fn.parent_id) : [];
  return (
    <>
      <section>
        <h2>Functions</h2>
        {functions.status === "loading" && <p className="muted">Loading…</p>}
        {functions.status === "error" && <ErrorNotice error={functions.error} />}
        {functions.status === "ready" && current.length === 0 && <Empty>No functions.</Empty>}
        {current.length > 0 && (
          <table className="table" aria-label="Functions">
            <thead>
              <tr>
                <th>Name</th>
                <th>Entry point</th>
                <th className="num">CPU</th>
                <th className="num">Memory</th>
                <th className="num">Timeout</th>
                <th>GPU</th>
                <th>Image</th>
              </tr>
            </thead>
            <tbody>
              {current.map((fn) => (
                <tr key={fn.id}>
                  <td className="strong">
                    <Link to={`/functions/${encodeURIComponent(fn.id)}`}>{fn.name}</Link>
                  </td>
                  <td>
                    <code>{fn.module ? `${fn.module}.${fn.qualname}` : fn.qualname}</code>
                  </td>
                  <td className="num">{fn.cpu}</td>
                  <td className="num">{fn.memory} MiB</td>
                  <td className="num">{fn.timeout} s</td>
                  <td>{fn.gpu || "—"}</td>
                  <td>
                    <code className="small">{fn.image_id}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <WebEndpointsSection functions={current} />
    </>
  );
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
};

function CallsSection({ appId }: { appId: string }) {
  const { expire } = useSession();
  const [calls, setCalls] = useState<CallSummary[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);

  // Runs on mount and again on every (re)connection of the socket, to catch up on what
  // changed while it was not subscribed; mergeCalls keeps updates that are already newer.
  const loadCalls = useCallback(() => {
    api.get("/api/v1/calls/", { query: { app: appId, limit: 50 } }).then(
      (page) => {
        if (!mounted.current) return;
        setCalls((current) => mergeCalls(current, page.results));
        setLoaded(true);
        setError(null);
      },
      (e: unknown) => {
        if (!mounted.current) return;
        if (e instanceof ApiError && e.status === 401) expire();
        else setError(e);
      },
    );
  }, [appId, expire]);

  useEffect(() => {
    mounted.current = true;
    loadCalls();
    return () => {
      mounted.current = false;
    };
  }, [loadCalls]);

  const live = useAppEvents(appId, (call) => setCalls((current) => upsertCall(current, call)), loadCalls);

  return (
    <section>
      <div className="section-title">
        <h2>Recent calls</h2>
        <span className={`live live-${live}`} data-testid="live-state" title="Live status updates">
          {LIVE_TEXT[live]}
        </span>
      </div>
      {error !== null && <ErrorNotice error={error} />}
      {!loaded && error === null && <p className="muted">Loading…</p>}
      {loaded && calls.length === 0 && (
        <Empty>No calls yet. They appear here as they happen.</Empty>
      )}
      {calls.length > 0 && (
        <table className="table" aria-label="Recent calls">
          <thead>
            <tr>
              <th>Status</th>
              <th>Function</th>
              <th>Kind</th>
              <th className="num">Inputs</th>
              <th>Created</th>
              <th className="num">Duration</th>
              <th>Call ID</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((call) => (
              <tr key={call.id} data-testid="call-row" data-call-id={call.id}>
                <td>
                  <StatusBadge status={call.status} />
                </td>
                <td className="strong">{call.function_name}</td>
                <td>{call.kind}</td>
                <td className="num">{call.input_count}</td>
                <td>{formatDateTime(call.created_at)}</td>
                <td className="num">{formatDuration(call.created_at, call.finished_at)}</td>
                <td>
                  <Link to={`/calls/${encodeURIComponent(call.id)}`} title="Open its call graph">
                    <code className="small">{call.id}</code>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { api, ApiError, type Call, type CallReport } from "../api/client";
import { useResource } from "../api/useResource";
import { InputStatusBadge, StatusBadge } from "../components/Badge";
import { Empty, ErrorNotice, WaitingNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { AttemptsSection } from "./call/AttemptsSection";
import { preloadFunctionPage } from "./functionPageLoader";
import { type CallGraph, describeStatuses, type GraphNode, graphSettled, toCallGraph } from "../lib/callGraph";
import { formatDateTime, formatDuration } from "../lib/format";
import { formatSeconds } from "../lib/metrics";

/** While a graph has unfinished inputs, it is read again this often. */
const POLL_MS = 1500;

/** One call: its facts and the call graph it belongs to (`/calls/{id}`). */
export function CallPage() {
  useEffect(preloadFunctionPage, []); // it links to its functions
  const { id = "" } = useParams();
  const [reloads, setReloads] = useState(0);
  const call = useResource(() => api.get("/api/v1/calls/{id}/", { path: { id } }), [id, reloads]);
  // Said after the reload too: the call had changed since the page was loaded.
  const [stale, setStale] = useState<string | null>(null);

  if (call.status === "loading") return <p className="muted">Loading…</p>;
  if (call.status === "error") {
    if (call.error instanceof ApiError && call.error.status === 404) {
      return (
        <section>
          <h1>No such call</h1>
          <p>
            This workspace has no call with that id. <Link to="/">Back to the apps</Link>.
          </p>
        </section>
      );
    }
    return <ErrorNotice error={call.error} />;
  }
  const data = call.data;
  return (
    <>
      <section className="app-header">
        <p className="breadcrumb">
          <Link to="/">Apps</Link> / <AppCrumb appId={data.app_id} /> /
        </p>
        <h1>
          {data.function_name} <StatusBadge status={data.status} />
        </h1>
        <dl className="facts">
          <dt>Call ID</dt>
          <dd>
            <code>{data.id}</code>
          </dd>
          <dt>Kind</dt>
          <dd>{data.kind}</dd>
          <dt>Inputs</dt>
          <dd>{data.input_count}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(data.created_at)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(data.created_at, data.finished_at)}</dd>
          <dt>Function</dt>
          <dd>
            <Link to={`/functions/${encodeURIComponent(data.function_id)}`}>{data.function_name}</Link>
          </dd>
        </dl>
        {data.finished_at === null && <WaitingNotice reason={data.waiting_reason} />}
        <CallActions call={data} onChanged={() => setReloads((n) => n + 1)} onStale={setStale} />
        {stale && (
          <p role="status" className="notice">
            {stale}
          </p>
        )}
      </section>
      <CallReportSection key={`${data.id}-${reloads}`} callId={data.id} settled={data.finished_at !== null} />
      <CallGraphSection key={data.id} callId={data.id} />
    </>
  );
}

/** A link to the call's app, by its name once known. */
function AppCrumb({ appId }: { appId: string }) {
  const app = useResource(() => api.get("/api/v1/apps/{id}/", { path: { id: appId } }), [appId]);
  return <Link to={`/apps/${encodeURIComponent(appId)}`}>{app.status === "ready" ? app.data.name : appId}</Link>;
}

/** The graph, read again until every input in it is finished. */
function CallGraphSection({ callId }: { callId: string }) {
  const { expire } = useSession();
  const [graph, setGraph] = useState<CallGraph | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      api.get("/api/v1/calls/{id}/graph/", { path: { id: callId } }).then(
        (answer) => {
          if (!current) return;
          const next = toCallGraph(answer);
          setGraph(next);
          setError(null);
          if (!graphSettled(next.inputs)) timer = setTimeout(load, POLL_MS);
        },
        (e: unknown) => {
          if (!current) return;
          if (e instanceof ApiError && e.status === 401) expire();
          else setError(e);
        },
      );
    };
    load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [callId, expire]);

  return (
    <section aria-labelledby="call-graph-title">
      <h2 id="call-graph-title">Call graph</h2>
      <p className="muted small">
        The inputs of the call at the top of this call&apos;s tree, each with the calls it made from its container.
      </p>
      {error !== null && <ErrorNotice error={error} />}
      {graph === null && error === null && <p className="muted">Loading…</p>}
      {graph !== null && graph.inputs.length === 0 && <Empty>This call has no inputs yet.</Empty>}
      {graph !== null && graph.inputs.length > 0 && (
        <>
          <p data-testid="graph-summary">{describeStatuses(graph.inputs)}</p>
          <GraphList nodes={graph.inputs} currentCallId={callId} label="Call graph" />
        </>
      )}
    </section>
  );
}

function GraphList({ nodes, currentCallId, label }: { nodes: GraphNode[]; currentCallId: string; label?: string }) {
  return (
    <ul className={label ? "call-tree" : undefined} aria-label={label}>
      {nodes.map((node) => (
        <GraphItem key={node.input_id} node={node} currentCallId={currentCallId} />
      ))}
    </ul>
  );
}

function GraphItem({ node, currentCallId }: { node: GraphNode; currentCallId: string }) {
  const isCurrent = node.function_call_id === currentCallId;
  return (
    <li data-testid="graph-node" data-input-id={node.input_id} data-call-id={node.function_call_id}>
      <div className={isCurrent ? "graph-node current" : "graph-node"} aria-current={isCurrent ? "true" : undefined}>
        <span className="strong">{node.function_name}</span>
        <InputStatusBadge status={node.status} />
        <span className="ids">
          input <code>{node.input_id}</code> · call{" "}
          {isCurrent ? (
            <code>{node.function_call_id}</code>
          ) : (
            <Link to={`/calls/${encodeURIComponent(node.function_call_id)}`}>
              <code>{node.function_call_id}</code>
            </Link>
          )}{" "}
          · task <code>{node.task_id || "—"}</code>
        </span>
      </div>
      {node.children.length > 0 && <GraphList nodes={node.children} currentCallId={currentCallId} />}
    </li>
  );
}

/** Cancel an unfinished call; retry a finished one (a new call with the same inputs). */
function CallActions({
  call,
  onChanged,
  onStale,
}: {
  call: Call;
  onChanged: () => void;
  onStale: (message: string) => void;
}) {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const unfinished = call.status === "pending" || call.status === "running";
  const cancel = () => {
    setError(null);
    api.post("/api/v1/calls/{id}/cancel/", { path: { id: call.id } }).then(
      (after) => {
        // Finished meanwhile (this page is older than that): nothing was left to cancel.
        if (after.status !== "cancelled") {
          onStale(`The call had already finished (${after.status}) since this page was loaded: nothing was cancelled.`);
        }
        onChanged();
      },
      (e: unknown) => setError(e),
    );
  };
  const retry = () => {
    setError(null);
    api.post("/api/v1/calls/{id}/retry/", { path: { id: call.id } }).then(
      (made) => navigate(`/calls/${encodeURIComponent(made.id)}`, { state: { retriedFrom: call.id } }),
      (e: unknown) => setError(e),
    );
  };
  return (
    <div className="actions">
      {unfinished ? (
        <button type="button" onClick={cancel}>
          Cancel call
        </button>
      ) : (
        <button type="button" onClick={retry} title="A new call of the function with the same inputs">
          Retry with the same inputs
        </button>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}

/** Inputs with their attempts and causes, remote tracebacks, logs and the cold-start breakdown. */
function CallReportSection({ callId, settled }: { callId: string; settled: boolean }) {
  const { expire } = useSession();
  const [report, setReport] = useState<CallReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      api.get("/api/v1/calls/{id}/report/", { path: { id: callId } }).then(
        (answer) => {
          if (!current) return;
          setReport(answer);
          setError(null);
          const open = (answer.counts.pending ?? 0) + (answer.counts.running ?? 0);
          if (open > 0 || !settled) timer = setTimeout(load, POLL_MS);
        },
        (e: unknown) => {
          if (!current) return;
          if (e instanceof ApiError && e.status === 401) expire();
          else setError(e);
        },
      );
    };
    load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [callId, settled, expire]);

  if (error !== null) return <ErrorNotice error={error} />;
  if (report === null) return <p className="muted">Loading…</p>;
  const failures = report.inputs.filter((i) => i.traceback || (i.status !== "succeeded" && i.message));
  const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
  return (
    <>
      <section aria-labelledby="inputs-title">
        <h2 id="inputs-title">Inputs</h2>
        <p data-testid="input-counts">
          {Object.entries(report.counts)
            .map(([status, n]) => `${n} ${status.replace("_", " ")}`)
            .join(", ") || "No inputs yet."}
          {total > report.inputs_shown && <span className="muted"> (the first {report.inputs_shown} shown)</span>}
        </p>
        {report.inputs.length > 0 && (
          <div className="table-scroll">
            <table className="table" aria-label="Inputs">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>Status</th>
                  <th className="num">Attempts</th>
                  <th>Why more than one</th>
                  <th>Cause</th>
                  <th className="num">Queue</th>
                  <th className="num">Run</th>
                  <th>Container</th>
                </tr>
              </thead>
              <tbody>
                {report.inputs.map((input) => (
                  <tr key={input.id} data-testid="input-row" data-input-id={input.id}>
                    <td className="num">{input.idx}</td>
                    <td>
                      <InputStatusBadge status={input.status} />
                    </td>
                    <td className="num">{input.attempts}</td>
                    <td className="small">
                      {[
                        input.crashes ? `${input.crashes} lost to container crashes` : "",
                        input.retries_used ? `${input.retries_used} retries (Retries policy)` : "",
                        input.preemptions ? `${input.preemptions} preemptions` : "",
                      ]
                        .filter(Boolean)
                        .join("; ") || "—"}
                    </td>
                    <td>{input.cause || "—"}</td>
                    <td className="num">{formatSeconds(input.queue_seconds)}</td>
                    <td className="num">{formatSeconds(input.run_seconds)}</td>
                    <td>
                      <code className="small">{input.task_id || "—"}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <AttemptsSection report={report} />
      {failures.length > 0 && (
        <section aria-labelledby="errors-title">
          <h2 id="errors-title">Errors</h2>
          {failures.map((input) => (
            <div key={input.id}>
              <p>
                Input {input.idx}: <strong>{input.message || input.cause}</strong>
              </p>
              {input.traceback && (
                <pre className="traceback" data-testid="traceback">
                  {input.traceback}
                </pre>
              )}
            </div>
          ))}
        </section>
      )}
      <section aria-labelledby="cold-title">
        <h2 id="cold-title">{report.cold_start.cold ? "Cold start" : "Timeline (warm container)"}</h2>
        {report.cold_start.stages.length === 0 ? (
          <Empty>No input yet.</Empty>
        ) : (
          <table className="table" aria-label="Cold start">
            <thead>
              <tr>
                <th>Stage</th>
                <th>What happens</th>
                <th className="num">Time</th>
              </tr>
            </thead>
            <tbody>
              {report.cold_start.stages.map((stage) => (
                <tr key={stage.name} data-testid="stage" data-stage={stage.name}>
                  <td className="strong">{stage.name.replace(/_/g, " ")}</td>
                  <td className="small">{stage.what}</td>
                  <td className="num">{formatSeconds(stage.seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        {report.logs.length === 0 ? (
          <Empty>No log lines.</Empty>
        ) : (
          <pre className="call-logs" data-testid="call-logs">
            {report.logs.map((line) => `${line.stream === "stderr" ? "! " : ""}${line.text}`).join("\n")}
          </pre>
        )}
      </section>
    </>
  );
}

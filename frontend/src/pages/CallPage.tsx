import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";

import { api, ApiError } from "../api/client";
import { useResource } from "../api/useResource";
import { InputStatusBadge, StatusBadge } from "../components/Badge";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { type CallGraph, describeStatuses, type GraphNode, graphSettled, toCallGraph } from "../lib/callGraph";
import { formatDateTime, formatDuration } from "../lib/format";

/** While a graph has unfinished inputs, it is read again this often. */
const POLL_MS = 1500;

/** One call: its facts and the call graph it belongs to (`/calls/{id}`). */
export function CallPage() {
  const { id = "" } = useParams();
  const call = useResource(() => api.get("/api/v1/calls/{id}/", { path: { id } }), [id]);

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
        </dl>
      </section>
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

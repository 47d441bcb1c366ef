import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { formatDateTime, formatDuration } from "../lib/format";

const REFRESH_MS = 2_000;
const LIVE = ["pending", "starting", "running"];
const ENDED = ["stopped", "failed"];

/** One sandbox: its state and settings, the processes running in it, its command's logs; terminate
 * it (an owner, an admin, or whoever created it). */
export function SandboxPage() {
  const { id = "" } = useParams();
  const { session } = useSession();
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => new Date().toISOString());
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const sandbox = useResource(() => api.get("/api/v1/sandboxes/{id}/", { path: { id } }), [id, version]);
  // Refreshed until it has ended (a stopping sandbox is still on its way).
  const live = sandbox.status === "ready" && !ENDED.includes(sandbox.data.status);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      setVersion((v) => v + 1);
      setNow(new Date().toISOString());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live]);
  const logs = useResource(
    () => api.get("/api/v1/sandboxes/{id}/logs/", { path: { id }, query: { tail: 1000 } }),
    [id, version],
  );
  const processes = useResource(
    () => api.get("/api/v1/sandboxes/{id}/processes/", { path: { id } }),
    [id, version],
  );
  const tunnels = useResource(() => api.get("/api/v1/sandboxes/{id}/tunnels/", { path: { id } }), [id]);
  // Keep the last answers while a refresh loads, so nothing blinks every few seconds.
  const [shownLogs, setShownLogs] = useState<typeof logs | null>(null);
  const [shownProcesses, setShownProcesses] = useState<typeof processes | null>(null);
  const [shownSandbox, setShownSandbox] = useState<typeof sandbox | null>(null);
  useEffect(() => {
    if (logs.status !== "loading") setShownLogs(logs);
  }, [logs]);
  useEffect(() => {
    if (processes.status !== "loading") setShownProcesses(processes);
  }, [processes]);
  useEffect(() => {
    if (sandbox.status !== "loading") setShownSandbox(sandbox);
  }, [sandbox]);
  const sb = shownSandbox ?? sandbox;
  const logLines = shownLogs ?? logs;
  const procs = shownProcesses ?? processes;

  if (sb.status === "error") return <ErrorNotice error={sb.error} />;
  if (sb.status === "loading") return <p className="muted">Loading…</p>;
  const data = sb.data;
  const role = session?.role ?? "member";
  const mayTerminate = role === "owner" || role === "admin" || data.created_by === session?.user.username;
  const isLive = LIVE.includes(data.status);

  return (
    <section>
      <p>
        <Link to="/sandboxes">Sandboxes</Link>
      </p>
      <h1>
        Sandbox <code>{data.id}</code>
      </h1>
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="sandbox-status">
          {data.status}
          {data.cause ? ` (${data.cause})` : ""}
          {data.returncode !== null && data.returncode !== undefined ? `, exit code ${data.returncode}` : ""}
        </dd>
        <dt>Name</dt>
        <dd>{data.name || "—"}</dd>
        <dt>Image</dt>
        <dd>
          <code>{data.image_id}</code>
        </dd>
        <dt>Command</dt>
        <dd>
          <code>{(data.command as string[] | undefined)?.join(" ") || "(idles)"}</code>
        </dd>
        <dt>Resources</dt>
        <dd>
          {data.cpu} CPU, {data.memory} MiB; timeout {data.timeout} s
          {data.idle_timeout ? `, idle timeout ${data.idle_timeout} s` : ""}
        </dd>
        <dt>Created</dt>
        <dd>
          {formatDateTime(data.created_at)} by {data.created_by ?? "—"}; age{" "}
          {formatDuration(data.created_at, data.stopped_at ?? now)}
        </dd>
        {tunnels.status === "ready" && tunnels.data.tunnels.length > 0 && (
          <>
            <dt>Ports</dt>
            <dd>
              {tunnels.data.tunnels.map((t) => (
                <div key={t.port}>
                  {t.port}: <code>{t.url}</code>
                  {t.tcp_host && t.tcp_port ? (
                    <>
                      {" "}
                      and raw TCP{" "}
                      <code>
                        {t.tcp_host}:{t.tcp_port}
                      </code>
                    </>
                  ) : null}
                </div>
              ))}
            </dd>
          </>
        )}
      </dl>
      {isLive && mayTerminate && !confirming && (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Terminate
        </button>
      )}
      {confirming && (
        <ConfirmPanel
          label="Terminate sandbox"
          confirm="Terminate sandbox"
          action={() => api.post("/api/v1/sandboxes/{id}/terminate/", { path: { id } })}
          onCancel={() => setConfirming(false)}
          onDone={() => {
            setConfirming(false);
            setDone(`Sandbox ${id} is terminating.`);
            setVersion((v) => v + 1);
          }}
        >
          <p>
            Terminate sandbox <code>{id}</code>? Whatever runs in it is stopped.
          </p>
        </ConfirmPanel>
      )}
      <h2>Processes</h2>
      {procs.status === "error" && <ErrorNotice error={procs.error} />}
      {procs.status === "ready" &&
        (procs.data.processes.length === 0 ? (
          <Empty>No process runs in it.</Empty>
        ) : (
          <table className="table" aria-label="Processes">
            <thead>
              <tr>
                {procs.data.titles.map((title, j) => (
                  <th key={title} className={j < procs.data.titles.length - 1 ? "keep-whole" : undefined}>
                    {title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {procs.data.processes.map((row, i) => (
                <tr key={i} data-testid="process-row">
                  {row.map((cell, j) => (
                    <td key={j} className={j < row.length - 1 ? "keep-whole" : undefined}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <h2>Logs</h2>
      <p className="muted">
        What its command prints{isLive ? ", refreshed every few seconds" : ", as kept when it ended"}. Processes started
        with <code>exec</code> print to their caller.
      </p>
      {logLines.status === "error" && <ErrorNotice error={logLines.error} />}
      {logLines.status === "ready" &&
        (logLines.data.lines.length === 0 ? (
          <Empty>It has printed nothing.</Empty>
        ) : (
          <pre className="log-view" role="log" aria-label="Sandbox logs" style={{ maxHeight: 400, overflow: "auto" }}>
            {logLines.data.truncated && "(earlier lines are not shown)\n"}
            {logLines.data.lines.map((line) => `${line.stream === "stderr" ? "! " : ""}${line.text}\n`).join("")}
          </pre>
        ))}
    </section>
  );
}

import { useEffect, useState } from "react";
import { Link } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDuration } from "../lib/format";

const REFRESH_MS = 3_000;

/** The workspace's sandboxes, newest first: state, image, age, tags; each links to its page. */
export function SandboxesPage() {
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => new Date().toISOString());
  const [liveOnly, setLiveOnly] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => {
      setVersion((v) => v + 1);
      setNow(new Date().toISOString());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const sandboxes = useResource(
    () => api.get("/api/v1/sandboxes/", { query: { limit: 200, ...(liveOnly ? { live: true } : {}) } }),
    [version, liveOnly],
  );
  // Keep the last list while a refresh loads, so the table does not blink every few seconds.
  const [shown, setShown] = useState<typeof sandboxes | null>(null);
  useEffect(() => {
    if (sandboxes.status !== "loading") setShown(sandboxes);
  }, [sandboxes]);
  const list = shown ?? sandboxes;

  return (
    <section>
      <h1>Sandboxes</h1>
      <p className="muted">
        Containers that programs create at run time, run commands in and throw away (<code>Sandbox.create</code>),
        refreshed every few seconds. From a terminal: <code>skylift sandbox list</code>, <code>logs</code>,{" "}
        <code>exec</code>, <code>terminate</code> and <code>skylift shell</code>.
      </p>
      <label>
        <input type="checkbox" checked={liveOnly} onChange={(e) => setLiveOnly(e.target.checked)} /> Running only
      </label>
      {list.status === "error" && <ErrorNotice error={list.error} />}
      {list.status === "loading" && <p className="muted">Loading…</p>}
      {list.status === "ready" &&
        (list.data.results.length === 0 ? (
          <Empty>No sandbox{liveOnly ? " is running" : " yet"}.</Empty>
        ) : (
          <table className="table" aria-label="Sandboxes">
            <thead>
              <tr>
                <th>Sandbox</th>
                <th>Name</th>
                <th>State</th>
                <th>Image</th>
                <th>CPU</th>
                <th>Memory</th>
                <th>Age</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {list.data.results.map((sb) => (
                <tr key={sb.id} data-testid="sandbox-row">
                  <td>
                    <Link to={`/sandboxes/${sb.id}`}>
                      <code>{sb.id}</code>
                    </Link>
                  </td>
                  <td>{sb.name || "—"}</td>
                  <td>
                    <span className={`badge badge-sandbox-${sb.status}`}>{sb.status}</span>
                  </td>
                  <td>
                    <code>{sb.image_id}</code>
                  </td>
                  <td>{sb.cpu}</td>
                  <td>{sb.memory} MiB</td>
                  <td>{formatDuration(sb.created_at, sb.stopped_at ?? now)}</td>
                  <td>
                    {Object.entries((sb.tags ?? {}) as Record<string, string>).map(([k, v]) => (
                      <span key={k} className="badge">
                        {k}={v}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

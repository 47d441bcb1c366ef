import { useEffect, useState } from "react";
import { Link } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDuration } from "../lib/format";

const REFRESH_MS = 3_000;

/** The workspace's live containers: host, resources, age, what they run now; stop, confirming. */
export function ContainersPage() {
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => new Date().toISOString());
  useEffect(() => {
    const timer = setInterval(() => {
      setVersion((v) => v + 1);
      setNow(new Date().toISOString());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const containers = useResource(
    () => api.get("/api/v1/tasks/", { query: { live: true, limit: 500 } }),
    [version],
  );
  const [stopping, setStopping] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // Keep the last list while a refresh loads, so the table does not blink every few seconds.
  const [shown, setShown] = useState<typeof containers | null>(null);
  useEffect(() => {
    if (containers.status !== "loading") setShown(containers);
  }, [containers]);
  const list = shown ?? containers;

  return (
    <section>
      <h1>Containers</h1>
      <p className="muted">
        The containers running the workspace&apos;s functions, refreshed every few seconds. Stopping one sends the inputs
        it runs back to the queue, to run again elsewhere. From a terminal: <code>skylift container list</code>,{" "}
        <code>logs</code>, <code>stop</code> and <code>exec</code>.
      </p>
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      {stopping && (
        <ConfirmPanel
          label="Stop container"
          confirm="Stop container"
          action={() => api.post("/api/v1/tasks/{id}/stop/", { path: { id: stopping } })}
          onCancel={() => setStopping(null)}
          onDone={() => {
            setDone(`Container ${stopping} is stopping.`);
            setStopping(null);
            setVersion((v) => v + 1);
          }}
        >
          <p>
            Stop container <code>{stopping}</code>? What it runs now goes back to the queue.
          </p>
        </ConfirmPanel>
      )}
      {list.status === "error" && <ErrorNotice error={list.error} />}
      {list.status === "loading" && <p className="muted">Loading…</p>}
      {list.status === "ready" &&
        (list.data.results.length === 0 ? (
          <Empty>No container is running.</Empty>
        ) : (
          <table className="table" aria-label="Containers">
            <thead>
              <tr>
                <th>Container</th>
                <th>App</th>
                <th>Function</th>
                <th>Host</th>
                <th>Status</th>
                <th>CPU</th>
                <th>Memory</th>
                <th>GPU</th>
                <th>Age</th>
                <th>Running now</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.results.map((c) => (
                <tr key={c.id} data-testid="container-row">
                  <td>
                    <code>{c.id}</code>
                  </td>
                  <td>
                    <Link to={`/apps/${c.app_id}`}>{c.app}</Link>
                  </td>
                  <td>{c.function}</td>
                  <td>{c.host ?? "—"}</td>
                  <td>{c.status}</td>
                  <td>{c.cpu}</td>
                  <td>{c.memory} MiB</td>
                  <td>{c.gpu_type ? `${c.gpu_type} ×${c.gpu_devices.length}` : "—"}</td>
                  <td>{formatDuration(c.started_at ?? c.created_at, now)}</td>
                  <td>
                    {c.current_inputs.length === 0
                      ? "idle"
                      : c.current_inputs.map((i) => (
                          <Link key={i.input_id} to={`/calls/${i.call_id}`}>
                            {i.call_id}{" "}
                          </Link>
                        ))}
                  </td>
                  <td>
                    <Link to={`/logs?container=${c.id}`}>Logs</Link>{" "}
                    {c.status !== "stopping" && (
                      <button type="button" className="danger" onClick={() => setStopping(c.id)}>
                        Stop
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

import { Link } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { AppStateBadge } from "../components/Badge";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";

export function AppsPage() {
  const apps = useResource(() => api.get("/api/v1/apps/", { query: { limit: 100 } }), []);

  return (
    <section>
      <h1>Apps</h1>
      {apps.status === "loading" && <p className="muted">Loading…</p>}
      {apps.status === "error" && <ErrorNotice error={apps.error} />}
      {apps.status === "ready" && apps.data.results.length === 0 && (
        <Empty>
          No apps yet. Run one with <code>skylift run file.py</code>.
        </Empty>
      )}
      {apps.status === "ready" && apps.data.results.length > 0 && (
        <>
          <table className="table" aria-label="Apps">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th className="num">Functions</th>
                <th>Created</th>
                <th>Stopped</th>
              </tr>
            </thead>
            <tbody>
              {apps.data.results.map((app) => (
                <tr key={app.id}>
                  <td>
                    <Link to={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
                    {app.description && <div className="muted small">{app.description}</div>}
                  </td>
                  <td>
                    <AppStateBadge state={app.state} />
                  </td>
                  <td className="num">{app.function_count}</td>
                  <td>{formatDateTime(app.created_at)}</td>
                  <td>{formatDateTime(app.stopped_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {apps.data.count > apps.data.results.length && (
            <p className="muted small">
              Showing the {apps.data.results.length} newest of {apps.data.count} apps.
            </p>
          )}
        </>
      )}
    </section>
  );
}

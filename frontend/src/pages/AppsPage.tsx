import { Link, useSearchParams } from "react-router";

import { api, type App } from "../api/client";
import { useResource } from "../api/useResource";
import { AppStateBadge } from "../components/Badge";
import { EnvironmentSelect } from "../components/EnvironmentSelect";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";

function AppLink({ app }: { app: App }) {
  return (
    <>
      <Link to={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
      {app.description && <div className="muted small">{app.description}</div>}
    </>
  );
}

/**
 * Deployed apps (they run until stopped), then the apps `skylift run` runs and ran; of one
 * environment (`?environment=`) or, by default, of all.
 */
export function AppsPage() {
  const [search, setSearch] = useSearchParams();
  const environment = search.get("environment") || "";
  const inEnvironment = environment ? { environment } : {};
  const deployed = useResource(
    () => api.get("/api/v1/apps/", { query: { state: "deployed", limit: 100, ...inEnvironment } }),
    [environment],
  );
  const apps = useResource(() => api.get("/api/v1/apps/", { query: { limit: 100, ...inEnvironment } }), [environment]);
  const others = apps.status === "ready" ? apps.data.results.filter((app) => app.state !== "deployed") : [];
  const where = environment ? ` in ${environment}` : "";

  return (
    <section>
      <h1>Apps</h1>
      <div className="toolbar">
        <label htmlFor="apps-environment">Environment</label>
        <EnvironmentSelect
          id="apps-environment"
          value={environment}
          allLabel="All environments"
          onChange={(name) => setSearch(name ? { environment: name } : {})}
        />
      </div>
      <h2>Deployed</h2>
      {deployed.status === "loading" && <p className="muted">Loading…</p>}
      {deployed.status === "error" && <ErrorNotice error={deployed.error} />}
      {deployed.status === "ready" && deployed.data.results.length === 0 && (
        <Empty>
          No deployed apps{where}. Deploy one with <code>skylift deploy file.py</code>.
        </Empty>
      )}
      {deployed.status === "ready" && deployed.data.results.length > 0 && (
        <table className="table" aria-label="Deployed apps">
          <thead>
            <tr>
              <th>Name</th>
              <th>Environment</th>
              <th>Version</th>
              <th className="num">Functions</th>
              <th>First deployed</th>
            </tr>
          </thead>
          <tbody>
            {deployed.data.results.map((app) => (
              <tr key={app.id}>
                <td>
                  <AppLink app={app} />
                </td>
                <td>{app.environment ?? "main"}</td>
                <td>v{app.live_version}</td>
                <td className="num">{app.function_count}</td>
                <td>{formatDateTime(app.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Ephemeral</h2>
      {apps.status === "loading" && <p className="muted">Loading…</p>}
      {apps.status === "error" && <ErrorNotice error={apps.error} />}
      {apps.status === "ready" && others.length === 0 && (
        <Empty>
          No ephemeral apps{where}. Run one with <code>skylift run file.py</code>.
        </Empty>
      )}
      {apps.status === "ready" && others.length > 0 && (
        <>
          <table className="table" aria-label="Apps">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Environment</th>
                <th className="num">Functions</th>
                <th>Created</th>
                <th>Stopped</th>
              </tr>
            </thead>
            <tbody>
              {others.map((app) => (
                <tr key={app.id}>
                  <td>
                    <AppLink app={app} />
                  </td>
                  <td>
                    <AppStateBadge state={app.state} />
                  </td>
                  <td>{app.environment ?? "main"}</td>
                  <td className="num">{app.function_count}</td>
                  <td>{formatDateTime(app.created_at)}</td>
                  <td>{formatDateTime(app.stopped_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {apps.data.count > apps.data.results.length && (
            <p className="muted small">
              Showing the newest of {apps.data.count} apps.
            </p>
          )}
        </>
      )}
    </section>
  );
}

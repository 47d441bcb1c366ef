import { Link, useSearchParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { EnvironmentSelect } from "../components/EnvironmentSelect";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { DEFAULT_ENVIRONMENT } from "../lib/secrets";

/** The named secrets of one environment (`?environment=`, main by default): names of variables, never values. */
export function SecretsPage() {
  const [search, setSearch] = useSearchParams();
  const environment = search.get("environment") || DEFAULT_ENVIRONMENT;
  const secrets = useResource(
    () => api.get("/api/v1/secrets/", { query: { environment, limit: 500 } }),
    [environment],
  );
  const newSecret = `/secrets/new?environment=${encodeURIComponent(environment)}`;

  return (
    <section>
      <h1>Secrets</h1>
      <div className="toolbar">
        <label htmlFor="secrets-environment">Environment</label>
        <EnvironmentSelect
          id="secrets-environment"
          value={environment}
          onChange={(name) => setSearch(name === DEFAULT_ENVIRONMENT ? {} : { environment: name })}
        />
        <Link to={newSecret} className="button primary">
          New secret
        </Link>
      </div>
      {secrets.status === "loading" && <p className="muted">Loading…</p>}
      {secrets.status === "error" && <ErrorNotice error={secrets.error} />}
      {secrets.status === "ready" && secrets.data.results.length === 0 && (
        <Empty>
          No secrets in {environment} yet. Create one with <Link to={newSecret}>New secret</Link> or{" "}
          <code>skylift secret create NAME KEY=VALUE</code>.
        </Empty>
      )}
      {secrets.status === "ready" && secrets.data.results.length > 0 && (
        <table className="table" aria-label="Secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Variables</th>
              <th>Updated</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {secrets.data.results.map((secret) => (
              <tr key={secret.id}>
                <td>
                  <Link to={`/secrets/${encodeURIComponent(secret.id)}`}>{secret.name}</Link>
                </td>
                <td>
                  <code>{secret.keys.join(", ")}</code>
                </td>
                <td>{formatDateTime(secret.updated_at)}</td>
                <td>{secret.updated_by ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

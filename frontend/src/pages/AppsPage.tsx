import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { api, type App } from "../api/client";
import { useResource } from "../api/useResource";
import { AppStateBadge } from "../components/Badge";
import { EnvironmentSelect } from "../components/EnvironmentSelect";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";

/** Apps per page; the server pages, filters and searches, so thousands of apps cost one page. */
export const APPS_PER_PAGE = 50;

const STATES = ["deployed", "ephemeral", "stopped"] as const;

function AppLink({ app }: { app: App }) {
  return (
    <>
      <Link to={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
      {app.description && <div className="muted small">{app.description}</div>}
    </>
  );
}

function ErrorRate({ app }: { app: App }) {
  if (app.error_rate_1h === null || app.error_rate_1h === undefined) return <span className="muted">—</span>;
  const percent = app.error_rate_1h * 100;
  return (
    <span className={percent > 0 ? "error" : undefined} title={`${app.inputs_1h} inputs finished in the last hour`}>
      {percent < 10 && percent > 0 ? percent.toFixed(1) : Math.round(percent)}%
    </span>
  );
}

/**
 * Every app of the workspace, newest first: state, version, who deployed it and when, running
 * containers, error rate over the last hour; filtered by state and environment, searched by name,
 * a page at a time (`?state=&environment=&search=&page=`).
 */
export function AppsPage() {
  const [params, setParams] = useSearchParams();
  const environment = params.get("environment") || "";
  const state = params.get("state") || "";
  const search = params.get("search") || "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [typed, setTyped] = useState(search);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next);
  };

  const apps = useResource(
    () =>
      api.get("/api/v1/apps/", {
        query: {
          limit: APPS_PER_PAGE,
          offset: (page - 1) * APPS_PER_PAGE,
          ...(environment ? { environment } : {}),
          ...(state ? { state } : {}),
          ...(search ? { search } : {}),
        },
      }),
    [environment, state, search, page],
  );

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    update({ search: typed.trim() });
  };
  const pages = apps.status === "ready" ? Math.max(1, Math.ceil(apps.data.count / APPS_PER_PAGE)) : 1;

  return (
    <section>
      <h1>Apps</h1>
      <div className="toolbar">
        <form role="search" onSubmit={onSearch} className="inline-form">
          <label htmlFor="apps-search">Search</label>
          <input id="apps-search" type="search" value={typed} placeholder="name or description" onChange={(e) => setTyped(e.target.value)} />
          <button type="submit">Search</button>
        </form>
        <label htmlFor="apps-state">State</label>
        <select id="apps-state" value={state} onChange={(e) => update({ state: e.target.value })}>
          <option value="">All states</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="apps-environment">Environment</label>
        <EnvironmentSelect
          id="apps-environment"
          value={environment}
          allLabel="All environments"
          onChange={(name) => update({ environment: name })}
        />
      </div>
      {apps.status === "loading" && <p className="muted">Loading…</p>}
      {apps.status === "error" && <ErrorNotice error={apps.error} />}
      {apps.status === "ready" && apps.data.results.length === 0 && (
        <Empty>
          {search || state || environment ? (
            "No apps match."
          ) : (
            <>
              No apps yet. Deploy one with <code>skylift deploy file.py</code>, or run one with{" "}
              <code>skylift run file.py</code>.
            </>
          )}
        </Empty>
      )}
      {apps.status === "ready" && apps.data.results.length > 0 && (
        <>
          <div className="table-scroll">
            <table className="table apps-table" aria-label="Apps">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>State</th>
                  <th>Environment</th>
                  <th>Version</th>
                  <th>Deployed</th>
                  <th className="num">Functions</th>
                  <th className="num">Running containers</th>
                  <th className="num">Errors (1 h)</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {apps.data.results.map((app) => (
                  <tr key={app.id} data-testid="app-row" data-app-id={app.id}>
                    <td>
                      <AppLink app={app} />
                    </td>
                    <td>
                      <AppStateBadge state={app.state} />
                    </td>
                    <td>{app.environment ?? "main"}</td>
                    <td>{app.live_version ? `v${app.live_version}` : "—"}</td>
                    <td className="small">
                      {app.deployed_at ? (
                        <>
                          {formatDateTime(app.deployed_at)}
                          {app.deployed_by && <span className="muted"> by {app.deployed_by}</span>}
                        </>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="num">{app.function_count}</td>
                    <td className="num" data-testid="running-containers">
                      {app.running_containers}
                    </td>
                    <td className="num" data-testid="error-rate">
                      <ErrorRate app={app} />
                    </td>
                    <td>{formatDateTime(app.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
              Previous
            </button>
            <span data-testid="page-of">
              Page {page} of {pages} · {apps.data.count} apps
            </span>
            <button type="button" disabled={page >= pages} onClick={() => update({ page: String(page + 1) })}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

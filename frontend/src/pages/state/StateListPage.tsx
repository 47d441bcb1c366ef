import { useState } from "react";
import { Link, useSearchParams } from "react-router";

import type { StateObject } from "../../api/client";
import { useResource } from "../../api/useResource";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { Empty, ErrorNotice } from "../../components/Notice";
import { formatDateTime } from "../../lib/format";
import { DEFAULT_ENVIRONMENT } from "../../lib/secrets";
import { matchesSearch, type StateKind } from "../../lib/state";

/** The Dicts or the Queues of one environment (`?environment=`, main by default), found by name. */
export function StateListPage({
  kind,
  title,
  base,
  load,
}: {
  kind: StateKind;
  title: string;
  /** "/dicts" or "/queues". */
  base: string;
  load: (environment: string) => Promise<{ results: StateObject[] }>;
}) {
  const [search, setSearch] = useSearchParams();
  const environment = search.get("environment") || DEFAULT_ENVIRONMENT;
  const [query, setQuery] = useState("");
  const objects = useResource(() => load(environment), [environment]);
  const shown = objects.status === "ready" ? objects.data.results.filter((o) => matchesSearch(o, query)) : [];
  const id = kind.toLowerCase();

  return (
    <section>
      <h1>{title}</h1>
      <div className="toolbar form">
        <label htmlFor={`${id}-environment`}>Environment</label>
        <EnvironmentSelect
          id={`${id}-environment`}
          value={environment}
          onChange={(name) => setSearch(name === DEFAULT_ENVIRONMENT ? {} : { environment: name })}
        />
        <label htmlFor={`${id}-search`}>Search</label>
        <input
          id={`${id}-search`}
          type="text"
          placeholder="Name"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      {objects.status === "loading" && <p className="muted">Loading…</p>}
      {objects.status === "error" && <ErrorNotice error={objects.error} />}
      {objects.status === "ready" && objects.data.results.length === 0 && (
        <Empty>
          No {title.toLowerCase()} in {environment} yet. Make one with{" "}
          <code>skylift.{kind}.from_name(NAME, create_if_missing=True)</code>.
        </Empty>
      )}
      {objects.status === "ready" && objects.data.results.length > 0 && shown.length === 0 && (
        <Empty>
          No {title.toLowerCase()} in {environment} have “{query.trim()}” in their name.
        </Empty>
      )}
      {shown.length > 0 && (
        <table className="table" aria-label={title}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Last used</th>
              <th>Created</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((object) => (
              <tr key={object.id}>
                <td>
                  <Link to={`${base}/${encodeURIComponent(object.id)}`}>
                    {object.name ?? <span className="muted">ephemeral</span>}
                  </Link>
                </td>
                <td className="muted small">{object.id}</td>
                <td>{formatDateTime(object.last_used_at)}</td>
                <td>{formatDateTime(object.created_at)}</td>
                <td>{object.created_by ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

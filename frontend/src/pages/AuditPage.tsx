import { type FormEvent, useState } from "react";

import { api, buildUrl } from "../api/client";
import { useResource } from "../api/useResource";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { AUDIT_ACTIONS, describeAction } from "../lib/team";

const PAGE = 100;

interface Filters {
  action?: string;
  actor?: string;
  target?: string;
}

/** The workspace's audit log: who did what, when, from where; filters, pages, export as JSON lines. */
export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({});
  const [offset, setOffset] = useState(0);
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const [target, setTarget] = useState("");
  const events = useResource(
    () => api.get("/api/v1/audit-events/", { query: { ...filters, limit: PAGE, offset } }),
    [filters, offset],
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setOffset(0);
    setFilters({ action: action || undefined, actor: actor.trim() || undefined, target: target.trim() || undefined });
  };
  const exportUrl = buildUrl("/api/v1/audit-events/export/", {}, { ...filters });

  return (
    <section>
      <h1>Audit log</h1>
      <p className="muted">
        Deploys, rollbacks, stops, secrets, tokens, members and settings: who did it, when, and from which address.
      </p>
      <form className="toolbar" onSubmit={apply} aria-label="Audit filters">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(event) => setAction(event.target.value)}>
          <option value="">any</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <label htmlFor="audit-actor">By</label>
        <input id="audit-actor" type="text" value={actor} placeholder="username" onChange={(e) => setActor(e.target.value)} />
        <label htmlFor="audit-target">Object id</label>
        <input id="audit-target" type="text" value={target} onChange={(e) => setTarget(e.target.value)} />
        <button type="submit">Filter</button>
        <a className="button" href={exportUrl} download>
          Export JSON lines
        </a>
      </form>
      {events.status === "loading" && <p className="muted">Loading…</p>}
      {events.status === "error" && <ErrorNotice error={events.error} />}
      {events.status === "ready" && events.data.results.length === 0 && <Empty>Nothing recorded that matches.</Empty>}
      {events.status === "ready" && events.data.results.length > 0 && (
        <>
          <table className="table" aria-label="Audit events">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Object</th>
                <th>From</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {events.data.results.map((e) => (
                <tr key={e.id} data-testid="audit-event">
                  <td>{formatDateTime(e.created_at)}</td>
                  <td>{e.actor || <span className="muted">the platform</span>}</td>
                  <td title={e.action}>{describeAction(e.action)}</td>
                  <td>
                    {e.target_name || "—"} {e.target_id && <code className="muted small">{e.target_id}</code>}
                  </td>
                  <td>{e.ip ?? "—"}</td>
                  <td>
                    <code className="small">{JSON.stringify(e.data)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Newer
            </button>{" "}
            <button type="button" disabled={!events.data.next} onClick={() => setOffset(offset + PAGE)}>
              Older
            </button>
          </p>
        </>
      )}
    </section>
  );
}

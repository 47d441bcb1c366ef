import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { DEFAULT_ENVIRONMENT } from "../lib/secrets";
import { nextAfter, stateSnippet } from "../lib/state";
import { Pager, Shown } from "./state/Shown";

/** Entries per page: values come with them (to tell a pickle's size), so pages stay small. */
const PAGE = 25;

/** One Dict: its entries a page at a time, by their previews; clearing and deleting it. */
export function DictPage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const [changes, setChanges] = useState(0);
  const [afters, setAfters] = useState<number[]>([0]);
  const [asking, setAsking] = useState<"clear" | "delete" | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const after = afters.at(-1) ?? 0;
  const dict = useResource(() => api.get("/api/v1/dicts/{id}/", { path: { id } }), [id, changes]);
  const entries = useResource(
    () => api.get("/api/v1/dicts/{id}/entries/", { path: { id }, query: { after, limit: PAGE } }),
    [id, after, changes],
  );
  const environment = dict.status === "ready" ? dict.data.environment : null;
  const listLink = `/dicts${environment && environment !== DEFAULT_ENVIRONMENT ? `?environment=${encodeURIComponent(environment)}` : ""}`;
  const name = dict.status === "ready" ? (dict.data.name ?? "ephemeral Dict") : "Dict";

  return (
    <section>
      <p className="muted small">
        <Link to={listLink}>Dicts</Link>
      </p>
      {dict.status === "error" && <ErrorNotice error={dict.error} />}
      <h1>{name}</h1>
      {dict.status === "loading" && <p className="muted">Loading…</p>}
      {dict.status === "ready" && (
        <>
          <dl className="facts">
            <dt>Environment</dt>
            <dd>{environment}</dd>
            <dt>Id</dt>
            <dd className="muted">{dict.data.id}</dd>
            <dt>Entries</dt>
            <dd data-testid="len">{dict.data.len.toLocaleString("en-US")}</dd>
            <dt>Created</dt>
            <dd>
              {formatDateTime(dict.data.created_at)} by {dict.data.created_by ?? "—"}
            </dd>
            <dt>Last used</dt>
            <dd>{formatDateTime(dict.data.last_used_at)}</dd>
          </dl>
          {dict.data.name && (
            <>
              <h2>Use it</h2>
              <pre className="snippet" aria-label="Usage">
                <code>{stateSnippet("Dict", dict.data.name, environment)}</code>
              </pre>
            </>
          )}
          <h2>Entries</h2>
          <p className="muted small">
            Keys and values are pickled; those that were plain text or JSON show as text, the others by their size.
          </p>
          {entries.status === "loading" && <p className="muted">Loading…</p>}
          {entries.status === "error" && <ErrorNotice error={entries.error} />}
          {entries.status === "ready" && entries.data.entries.length === 0 && (
            <Empty>{after === 0 ? "No entries." : "No more entries."}</Empty>
          )}
          {entries.status === "ready" && entries.data.entries.length > 0 && (
            <table className="table" aria-label="Entries">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {entries.data.entries.map((entry) => (
                  <tr key={entry.id} data-testid="entry">
                    <td>
                      <Shown preview={entry.key_preview} b64={entry.key} what="key" />
                    </td>
                    <td>
                      <Shown preview={entry.value_preview} b64={entry.value} what="value" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager
            label="Entries pages"
            afters={afters}
            next={entries.status === "ready" ? nextAfter(entries.data.entries, PAGE) : null}
            onChange={setAfters}
          />
          {done && (
            <p role="status" className="saved">
              {done}
            </p>
          )}
          <h2>Clear or delete</h2>
          {asking === "clear" && (
            <ConfirmPanel
              label="Clear entries"
              confirm="Clear every entry"
              action={() => api.post("/api/v1/dicts/{id}/clear/", { path: { id } })}
              onCancel={() => setAsking(null)}
              onDone={() => {
                setAsking(null);
                setAfters([0]);
                setDone("Cleared: the Dict has no entries.");
                setChanges((n) => n + 1);
              }}
            >
              <p>
                Remove every entry of <strong>{name}</strong>? Functions using it find it empty.
              </p>
            </ConfirmPanel>
          )}
          {asking === "delete" && (
            <ConfirmPanel
              label="Delete dict"
              confirm={`Delete ${name}`}
              action={() => api.delete("/api/v1/dicts/{id}/", { path: { id } })}
              onCancel={() => setAsking(null)}
              onDone={() => navigate(listLink, { replace: true })}
            >
              <p>
                Delete <strong>{name}</strong> from {environment}, with its entries? Functions using it get{" "}
                <code>NotFoundError</code>.
              </p>
            </ConfirmPanel>
          )}
          {asking === null && (
            <p className="actions">
              <button type="button" className="danger" onClick={() => (setDone(null), setAsking("clear"))}>
                Clear entries…
              </button>{" "}
              <button type="button" className="danger" onClick={() => (setDone(null), setAsking("delete"))}>
                Delete dict…
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

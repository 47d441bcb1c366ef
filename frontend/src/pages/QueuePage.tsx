import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { DEFAULT_ENVIRONMENT } from "../lib/secrets";
import { nextAfter, stateSnippet } from "../lib/state";
import { Pager, Shown } from "./state/Shown";

/** Items peeked per page. */
const PAGE = 20;

/** One Queue: how many items it holds, a peek at the next ones of a partition, clearing and deleting it. */
export function QueuePage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const [changes, setChanges] = useState(0);
  const [typed, setTyped] = useState("");
  const [partition, setPartition] = useState("");
  const [afters, setAfters] = useState<number[]>([0]);
  const [asking, setAsking] = useState<"clear" | "clear-all" | "delete" | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const after = afters.at(-1) ?? 0;
  const query = partition === "" ? {} : { partition };
  const queue = useResource(() => api.get("/api/v1/queues/{id}/", { path: { id } }), [id, changes]);
  const length = useResource(
    () => api.get("/api/v1/queues/{id}/len/", { path: { id }, query }),
    [id, partition, changes],
  );
  const peek = useResource(
    () => api.get("/api/v1/queues/{id}/peek/", { path: { id }, query: { ...query, n: PAGE, after } }),
    [id, partition, after, changes],
  );
  const environment = queue.status === "ready" ? queue.data.environment : null;
  const listLink = `/queues${environment && environment !== DEFAULT_ENVIRONMENT ? `?environment=${encodeURIComponent(environment)}` : ""}`;
  const name = queue.status === "ready" ? (queue.data.name ?? "ephemeral Queue") : "Queue";
  const partitionName = partition === "" ? "the default partition" : `the partition ${partition}`;

  const show = (event: FormEvent) => {
    event.preventDefault();
    setPartition(typed.trim());
    setAfters([0]);
  };
  const cleared = (message: string) => () => {
    setAsking(null);
    setAfters([0]);
    setDone(message);
    setChanges((n) => n + 1);
  };

  return (
    <section>
      <p className="muted small">
        <Link to={listLink}>Queues</Link>
      </p>
      {queue.status === "error" && <ErrorNotice error={queue.error} />}
      <h1>{name}</h1>
      {queue.status === "loading" && <p className="muted">Loading…</p>}
      {queue.status === "ready" && (
        <>
          <dl className="facts">
            <dt>Environment</dt>
            <dd>{environment}</dd>
            <dt>Id</dt>
            <dd className="muted">{queue.data.id}</dd>
            <dt>Items</dt>
            <dd data-testid="len">{queue.data.len.toLocaleString("en-US")} in all partitions</dd>
            <dt>Created</dt>
            <dd>
              {formatDateTime(queue.data.created_at)} by {queue.data.created_by ?? "—"}
            </dd>
            <dt>Last used</dt>
            <dd>{formatDateTime(queue.data.last_used_at)}</dd>
          </dl>
          {queue.data.name && (
            <>
              <h2>Use it</h2>
              <pre className="snippet" aria-label="Usage">
                <code>{stateSnippet("Queue", queue.data.name, environment)}</code>
              </pre>
            </>
          )}
          <h2>Next items</h2>
          <form className="toolbar form" onSubmit={show}>
            <label htmlFor="queue-partition">Partition</label>
            <input
              id="queue-partition"
              type="text"
              placeholder="default"
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
            />
            <button type="submit">Show</button>
            <span data-testid="partition-len">
              {length.status === "ready" &&
                `${length.data.len.toLocaleString("en-US")} ${length.data.len === 1 ? "item" : "items"} in ${partitionName}`}
            </span>
          </form>
          {length.status === "error" && <ErrorNotice error={length.error} />}
          {peek.status === "loading" && <p className="muted">Loading…</p>}
          {peek.status === "error" && length.status !== "error" && <ErrorNotice error={peek.error} />}
          {peek.status === "ready" && peek.data.items.length === 0 && (
            <Empty>{after === 0 ? `Nothing in ${partitionName}.` : "No more items."}</Empty>
          )}
          {peek.status === "ready" && peek.data.items.length > 0 && (
            <table className="table" aria-label="Items">
              <thead>
                <tr>
                  <th>Value</th>
                  <th>Put at</th>
                </tr>
              </thead>
              <tbody>
                {peek.data.items.map((item) => (
                  <tr key={item.id} data-testid="item">
                    <td>
                      <Shown preview={item.preview} b64={item.value} what="value" />
                    </td>
                    <td>{formatDateTime(item.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager
            label="Items pages"
            afters={afters}
            next={peek.status === "ready" ? nextAfter(peek.data.items, PAGE) : null}
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
              label="Clear partition"
              confirm="Clear the partition"
              action={() => api.post("/api/v1/queues/{id}/clear/", { path: { id }, body: { ...query, all: false } })}
              onCancel={() => setAsking(null)}
              onDone={cleared(`Cleared ${partitionName}.`)}
            >
              <p>
                Remove every item of {partitionName} of <strong>{name}</strong>?
              </p>
            </ConfirmPanel>
          )}
          {asking === "clear-all" && (
            <ConfirmPanel
              label="Clear all partitions"
              confirm="Clear every partition"
              action={() => api.post("/api/v1/queues/{id}/clear/", { path: { id }, body: { all: true } })}
              onCancel={() => setAsking(null)}
              onDone={cleared("Cleared every partition.")}
            >
              <p>
                Remove every item of every partition of <strong>{name}</strong>?
              </p>
            </ConfirmPanel>
          )}
          {asking === "delete" && (
            <ConfirmPanel
              label="Delete queue"
              confirm={`Delete ${name}`}
              action={() => api.delete("/api/v1/queues/{id}/", { path: { id } })}
              onCancel={() => setAsking(null)}
              onDone={() => navigate(listLink, { replace: true })}
            >
              <p>
                Delete <strong>{name}</strong> from {environment}, with its items? Functions using it get{" "}
                <code>NotFoundError</code>.
              </p>
            </ConfirmPanel>
          )}
          {asking === null && (
            <p className="actions">
              <button type="button" className="danger" onClick={() => (setDone(null), setAsking("clear"))}>
                Clear partition…
              </button>{" "}
              <button type="button" className="danger" onClick={() => (setDone(null), setAsking("clear-all"))}>
                Clear all partitions…
              </button>{" "}
              <button type="button" className="danger" onClick={() => (setDone(null), setAsking("delete"))}>
                Delete queue…
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

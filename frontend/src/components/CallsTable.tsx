import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";

import { api, ApiError, type CallRow } from "../api/client";
import { formatDateTime, formatDuration } from "../lib/format";
import { formatSeconds } from "../lib/metrics";
import { StatusBadge } from "./Badge";
import { Empty, ErrorNotice } from "./Notice";
import { useSession } from "./session";

/** While a call in the table is unfinished, the table is read again this often. */
const POLL_MS = 2000;

type Query = { app?: string; function_name?: string; function?: string };

/** The calls table: status, queue time, cold start, duration, container, attempts; cancel and retry. */
export function CallsTable({ query, label = "Calls" }: { query: Query; label?: string }) {
  const { expire } = useSession();
  const [rows, setRows] = useState<CallRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<{ text: string; callId?: string } | null>(null);
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const key = JSON.stringify(query);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      api.get("/api/v1/calls/", { query: { ...query, limit: 50 } }).then(
        (page) => {
          if (!current) return;
          setRows(page.results);
          setError(null);
          if (page.results.some((c) => c.status === "pending" || c.status === "running")) {
            timer = setTimeout(load, POLL_MS);
          }
        },
        (e: unknown) => {
          if (!current) return;
          if (e instanceof ApiError && e.status === 401) expire();
          else setError(e);
        },
      );
    };
    load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `key` stands for `query`
  }, [key, reloads, expire]);

  const cancel = (call: CallRow) => {
    setNotice(null);
    api.post("/api/v1/calls/{id}/cancel/", { path: { id: call.id } }).then(
      () => {
        setNotice({ text: `Cancelled ${call.id}.` });
        reload();
      },
      (e: unknown) => setError(e),
    );
  };
  const retry = (call: CallRow) => {
    setNotice(null);
    api.post("/api/v1/calls/{id}/retry/", { path: { id: call.id } }).then(
      (made) => {
        setNotice({
          text: `Retried ${call.id} as a new call with the same ${call.input_count === 1 ? "input" : `${call.input_count} inputs`}: `,
          callId: made.id,
        });
        reload();
      },
      (e: unknown) => setError(e),
    );
  };

  return (
    <>
      {notice && (
        <p role="status" className="notice" data-testid="calls-notice">
          {notice.text}
          {notice.callId && (
            <Link to={`/calls/${encodeURIComponent(notice.callId)}`}>
              <code>{notice.callId}</code>
            </Link>
          )}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {rows === null && error === null && <p className="muted">Loading…</p>}
      {rows !== null && rows.length === 0 && <Empty>No calls yet.</Empty>}
      {rows !== null && rows.length > 0 && (
        <div className="table-scroll">
          <table className="table calls-table" aria-label={label}>
            <thead>
              <tr>
                <th>Status</th>
                <th>Function</th>
                <th className="num">Inputs</th>
                <th>Created</th>
                <th className="num">Queue</th>
                <th>Cold start</th>
                <th className="num">Duration</th>
                <th>Container</th>
                <th className="num">Attempts</th>
                <th>Call</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {rows.map((call) => {
                const unfinished = call.status === "pending" || call.status === "running";
                return (
                  <tr key={call.id} data-testid="calls-table-row" data-call-id={call.id}>
                    <td>
                      <StatusBadge status={call.status} />
                    </td>
                    <td className="strong">{call.function_name}</td>
                    <td className="num">{call.input_count}</td>
                    <td>{formatDateTime(call.created_at)}</td>
                    <td className="num" data-testid="queue">
                      {formatSeconds(call.queue_seconds)}
                    </td>
                    <td data-testid="cold">{call.cold_start ? "cold" : "warm"}</td>
                    <td className="num">{formatDuration(call.created_at, call.finished_at)}</td>
                    <td>
                      <code className="small" data-testid="container">
                        {call.task_id ?? "—"}
                      </code>
                    </td>
                    <td className="num" data-testid="attempts">
                      {call.attempts ?? "—"}
                    </td>
                    <td>
                      <Link to={`/calls/${encodeURIComponent(call.id)}`}>
                        <code className="small">{call.id}</code>
                      </Link>
                    </td>
                    <td>
                      {unfinished ? (
                        <button type="button" onClick={() => cancel(call)}>
                          Cancel
                        </button>
                      ) : (
                        <button type="button" onClick={() => retry(call)} title="A new call with the same inputs">
                          Retry
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

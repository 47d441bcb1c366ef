import { api } from "../../api/client";
import { useResource } from "../../api/useResource";
import { Empty, ErrorNotice } from "../../components/Notice";
import { formatDateTime } from "../../lib/format";

function keyList(keys: unknown): string {
  return Array.isArray(keys) ? keys.join(", ") : "";
}

/** The secret's audit records, newest first: who, when, what, which variables (never values). */
export function SecretHistory({ secretId, changes }: { secretId: string; changes: number }) {
  const history = useResource(
    () => api.get("/api/v1/secrets/{id}/history/", { path: { id: secretId } }),
    [secretId, changes],
  );
  return (
    <>
      <h2>History</h2>
      {history.status === "loading" && <p className="muted">Loading…</p>}
      {history.status === "error" && <ErrorNotice error={history.error} />}
      {history.status === "ready" && history.data.length === 0 && <Empty>No changes recorded.</Empty>}
      {history.status === "ready" && history.data.length > 0 && (
        <table className="table" aria-label="History">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Variables</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((event, i) => (
              <tr key={`${event.at}-${i}`} data-testid="history-row">
                <td>{formatDateTime(event.at)}</td>
                <td>{event.actor ?? "—"}</td>
                <td>{event.action}</td>
                <td>
                  <code>{keyList(event.keys)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

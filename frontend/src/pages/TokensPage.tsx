import { type FormEvent, useRef, useState } from "react";

import { api, type ApiTokenCreated } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { CreatedToken } from "../components/CreatedToken";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { formatDateTime } from "../lib/format";
import { canManage, fieldError, formError } from "../lib/team";
import { ServiceTokens } from "./ServiceTokens";

/** The signed-in user's API tokens in this workspace: create (shown once), expiry, last use, revoke. */
export function TokensPage() {
  const { session } = useSession();
  const [version, setVersion] = useState(0);
  const tokens = useResource(() => api.get("/api/v1/tokens/", { query: { limit: 500 } }), [version]);
  const [name, setName] = useState("");
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const revokedBefore = useRef<string | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    const expiresAt = expires ? new Date(expires).toISOString() : null;
    api.post("/api/v1/tokens/", { body: { name: name.trim(), expires_at: expiresAt } }).then(
      (token) => {
        setName("");
        setExpires("");
        setCreated(token);
        setVersion((v) => v + 1);
      },
      (e: unknown) => setError(e),
    );
  };

  return (
    <section>
      <h1>API tokens</h1>
      <p className="muted">
        Your own tokens for workspace {session?.workspace.name}: the SDK, the CLI and scripts act as you with them.
      </p>
      {created && <CreatedToken token={created} onDone={() => setCreated(null)} />}
      <form className="toolbar" onSubmit={create} aria-label="New API token form">
        <label htmlFor="token-name">Name</label>
        <input
          id="token-name"
          type="text"
          maxLength={100}
          placeholder="What it is for"
          value={name}
          autoComplete="off"
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor="token-expires">Expires (optional)</label>
        <input
          id="token-expires"
          type="datetime-local"
          value={expires}
          aria-describedby="token-expires-error"
          onChange={(event) => setExpires(event.target.value)}
        />
        <button type="submit" className="primary">
          Create token
        </button>
      </form>
      {fieldError(error, "expires_at") && (
        <p id="token-expires-error" role="alert" className="error">
          {fieldError(error, "expires_at")}
        </p>
      )}
      {formError(error, ["expires_at"]) !== null && error !== null && <ErrorNotice error={error} />}
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      {revoking && (
        <ConfirmPanel
          label="Revoke API token"
          confirm={`Revoke ${revoking}`}
          action={() =>
            // A token revoked since the page was loaded (elsewhere, or its user removed) says so.
            api.get("/api/v1/tokens/{id}/", { path: { id: revoking } }).then((now) => {
              revokedBefore.current = now.revoked_at ?? null;
              return now.revoked_at ? undefined : api.delete("/api/v1/tokens/{id}/", { path: { id: revoking } });
            })
          }
          onCancel={() => setRevoking(null)}
          onDone={() => {
            const before = revokedBefore.current;
            setDone(
              before
                ? `${revoking} was already revoked, at ${formatDateTime(before)}, since this page was loaded.`
                : `Revoked ${revoking}. Requests carrying it are refused from now on.`,
            );
            setRevoking(null);
            setVersion((v) => v + 1);
          }}
        >
          <p>
            Revoke <strong>{revoking}</strong>? Every client using it gets 401 from its next request.
          </p>
        </ConfirmPanel>
      )}
      {tokens.status === "loading" && <p className="muted">Loading…</p>}
      {tokens.status === "error" && <ErrorNotice error={tokens.error} />}
      {tokens.status === "ready" && tokens.data.results.length === 0 && (
        <Empty>
          No tokens yet. Create one here or with <code>skylift token new</code>.
        </Empty>
      )}
      {tokens.status === "ready" && tokens.data.results.length > 0 && (
        <table className="table" aria-label="API tokens">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {tokens.data.results.map((token) => {
              const expired = token.expires_at != null && Date.parse(token.expires_at) <= Date.now();
              return (
                <tr key={token.id} data-testid="api-token-row">
                  <td>
                    <code>{token.id}</code>
                  </td>
                  <td>{token.name || "—"}</td>
                  <td>{formatDateTime(token.created_at)}</td>
                  <td>{token.expires_at ? formatDateTime(token.expires_at) : "never"}</td>
                  <td>{token.last_used_at ? formatDateTime(token.last_used_at) : "never"}</td>
                  <td>
                    {token.revoked_at ? `revoked ${formatDateTime(token.revoked_at)}` : expired ? "expired" : "active"}
                  </td>
                  <td>
                    {!token.revoked_at && (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${token.id}`}
                        onClick={() => (setDone(null), setRevoking(token.id))}
                      >
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {canManage(session?.role) && <ServiceTokens />}
    </section>
  );
}

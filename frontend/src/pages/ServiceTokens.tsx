import { type FormEvent, useRef, useState } from "react";

import { api, type ServiceTokenCreated } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { CreatedToken } from "../components/CreatedToken";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { formatDateTime } from "../lib/format";
import { fieldError, formError } from "../lib/team";

const FIELDS = ["name", "role", "expires_at"] as const;

/** The workspace's service tokens (owners and admins): each acts with a role of its own and
 * outlives whoever made it; made (shown once), listed with role, maker, expiry and last use, revoked. */
export function ServiceTokens() {
  const { session } = useSession();
  const [version, setVersion] = useState(0);
  const tokens = useResource(() => api.get("/api/v1/service-tokens/", { query: { limit: 500 } }), [version]);
  const [name, setName] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<ServiceTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const revokedBefore = useRef<string | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    const expiresAt = expires ? new Date(expires).toISOString() : null;
    api.post("/api/v1/service-tokens/", { body: { name: name.trim(), role, expires_at: expiresAt } }).then(
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
    <section aria-labelledby="service-tokens-title">
      <h2 id="service-tokens-title">Service tokens</h2>
      <p className="muted">
        Tokens of workspace {session?.workspace.name} itself, for CI and other machines: each acts with its own role
        and keeps working when whoever made it leaves. Owners and admins make and revoke them.
      </p>
      {created && (
        <CreatedToken token={created} label="New service token" onDone={() => setCreated(null)} />
      )}
      <form className="toolbar" onSubmit={create} aria-label="New service token form">
        <label htmlFor="service-token-name">Service token name</label>
        <input
          id="service-token-name"
          type="text"
          maxLength={100}
          placeholder="What it is for"
          value={name}
          autoComplete="off"
          aria-describedby="service-token-name-error"
          onChange={(event) => setName(event.target.value)}
        />
        <label htmlFor="service-token-role">Acts as</label>
        <select
          id="service-token-role"
          value={role}
          onChange={(event) => setRole(event.target.value as "member" | "admin")}
        >
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
        <label htmlFor="service-token-expires">Service token expires (optional)</label>
        <input
          id="service-token-expires"
          type="datetime-local"
          value={expires}
          aria-describedby="service-token-expires-error"
          onChange={(event) => setExpires(event.target.value)}
        />
        <button type="submit" className="primary">
          Create service token
        </button>
      </form>
      {FIELDS.map(
        (field) =>
          fieldError(error, field) && (
            <p key={field} id={`service-token-${field.replace("_at", "")}-error`} role="alert" className="error">
              {fieldError(error, field)}
            </p>
          ),
      )}
      {formError(error, FIELDS) !== null && error !== null && <ErrorNotice error={error} />}
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      {revoking && (
        <ConfirmPanel
          label="Revoke service token"
          confirm={`Revoke ${revoking}`}
          action={() =>
            // A token revoked since the page was loaded (by another owner or admin) says so.
            api.get("/api/v1/service-tokens/{id}/", { path: { id: revoking } }).then((now) => {
              revokedBefore.current = now.revoked_at ?? null;
              return now.revoked_at
                ? undefined
                : api.delete("/api/v1/service-tokens/{id}/", { path: { id: revoking } });
            })
          }
          onCancel={() => setRevoking(null)}
          onDone={() => {
            const before = revokedBefore.current;
            setDone(
              before
                ? `Service token ${revoking} was already revoked, at ${formatDateTime(before)}, since this page was loaded.`
                : `Revoked service token ${revoking}. Requests carrying it are refused from now on.`,
            );
            setRevoking(null);
            setVersion((v) => v + 1);
          }}
        >
          <p>
            Revoke the service token <strong>{revoking}</strong>? Every machine using it gets 401 from its next
            request.
          </p>
        </ConfirmPanel>
      )}
      {tokens.status === "loading" && <p className="muted">Loading…</p>}
      {tokens.status === "error" && <ErrorNotice error={tokens.error} />}
      {tokens.status === "ready" && tokens.data.results.length === 0 && <Empty>No service tokens yet.</Empty>}
      {tokens.status === "ready" && tokens.data.results.length > 0 && (
        <table className="table" aria-label="Service tokens">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Role</th>
              <th>Made by</th>
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
                <tr key={token.id} data-testid="service-token-row">
                  <td>
                    <code>{token.id}</code>
                  </td>
                  <td>{token.name || "—"}</td>
                  <td>{token.role}</td>
                  <td>{token.created_by ?? <span className="muted">(account deleted)</span>}</td>
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
    </section>
  );
}

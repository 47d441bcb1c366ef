import { type FormEvent, useState } from "react";

import { api, type ProxyTokenCreated } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { formatDateTime } from "../lib/format";
import { canManageTokens, curlExample, tokenHeaders } from "../lib/proxyTokens";

/** The secret of the token just made, shown this once, with a button that copies both headers. */
function CreatedToken({ token, onDone }: { token: ProxyTokenCreated; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(tokenHeaders(token.id, token.secret)).then(
      () => setCopied("Copied both headers."),
      () => setCopied("Could not copy: select the secret and copy it by hand."),
    );
  };
  return (
    <div className="panel" role="region" aria-label="New proxy token">
      <p>
        <strong>Copy the secret now: it is not shown again.</strong> Only its hash is kept.
      </p>
      <div className="field-grid">
        <span>Skylift-Key</span>
        <code data-testid="token-key">{token.id}</code>
        <span>Skylift-Secret</span>
        <code data-testid="token-secret" className="preview">
          {token.secret}
        </code>
      </div>
      <p className="muted small">
        For example: <code className="preview">{curlExample(token.id, token.secret)}</code>
      </p>
      <p className="actions">
        <button type="button" className="primary" onClick={copy}>
          Copy headers
        </button>{" "}
        <button type="button" onClick={onDone}>
          Done
        </button>
        {copied && (
          <span role="status" className="muted">
            {" "}
            {copied}
          </span>
        )}
      </p>
    </div>
  );
}

/** The workspace's proxy auth tokens: list; create (the secret shown once); revoke, confirming. */
export function ProxyTokensPage() {
  const { session } = useSession();
  const manage = canManageTokens(session?.role);
  const [version, setVersion] = useState(0);
  const tokens = useResource(() => api.get("/api/v1/proxy-tokens/", { query: { limit: 500 } }), [version]);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<ProxyTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    api.post("/api/v1/proxy-tokens/", { body: { name: name.trim() } }).then(
      (token) => {
        setBusy(false);
        setName("");
        setCreated(token);
        setVersion((v) => v + 1);
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  return (
    <section>
      <h1>Proxy tokens</h1>
      <p className="muted">
        Requests to web endpoints with <code>requires_proxy_auth=True</code> must carry a token of this workspace: its
        key in the <code>Skylift-Key</code> header and its secret in <code>Skylift-Secret</code> (Modal&apos;s{" "}
        <code>Modal-Key</code> and <code>Modal-Secret</code> work too). Others get 401.
      </p>
      {created && <CreatedToken token={created} onDone={() => setCreated(null)} />}
      {manage ? (
        <form className="toolbar" onSubmit={create} aria-label="New proxy token form">
          <label htmlFor="proxy-token-name">Name</label>
          <input
            id="proxy-token-name"
            type="text"
            maxLength={100}
            placeholder="What it is for"
            value={name}
            autoComplete="off"
            onChange={(event) => setName(event.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            Create token
          </button>
        </form>
      ) : (
        <p className="muted small">Owners and admins of the workspace create and revoke tokens.</p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      {revoking && (
        <ConfirmPanel
          label="Revoke proxy token"
          confirm={`Revoke ${revoking}`}
          action={() => api.post("/api/v1/proxy-tokens/{id}/revoke/", { path: { id: revoking } })}
          onCancel={() => setRevoking(null)}
          onDone={() => {
            setDone(`Revoked ${revoking}. Requests carrying it are refused from now on.`);
            setRevoking(null);
            setVersion((v) => v + 1);
          }}
        >
          <p>
            Revoke <strong>{revoking}</strong>? Every client that uses it is refused from its next request; a revoked
            token cannot be used again.
          </p>
        </ConfirmPanel>
      )}
      {tokens.status === "loading" && <p className="muted">Loading…</p>}
      {tokens.status === "error" && <ErrorNotice error={tokens.error} />}
      {tokens.status === "ready" && tokens.data.results.length === 0 && (
        <Empty>
          No proxy tokens yet. Create one here or with <code>skylift workspace proxy-tokens create</code>.
        </Empty>
      )}
      {tokens.status === "ready" && tokens.data.results.length > 0 && (
        <table className="table" aria-label="Proxy tokens">
          <thead>
            <tr>
              <th>Key</th>
              <th>Name</th>
              <th>Created</th>
              <th>By</th>
              <th>Last used</th>
              <th>Status</th>
              {manage && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {tokens.data.results.map((token) => (
              <tr key={token.id} data-testid="proxy-token">
                <td>
                  <code>{token.id}</code>
                </td>
                <td>{token.name || "—"}</td>
                <td>{formatDateTime(token.created_at)}</td>
                <td>{token.created_by ?? "—"}</td>
                <td>{token.last_used_at ? formatDateTime(token.last_used_at) : "never"}</td>
                <td>{token.revoked_at ? `revoked ${formatDateTime(token.revoked_at)}` : "active"}</td>
                {manage && (
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
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

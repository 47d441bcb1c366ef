import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";
import { DEFAULT_ENVIRONMENT, usageSnippet } from "../lib/secrets";
import { DeleteSecretPanel } from "./secret/DeleteSecretPanel";
import { EditVariables } from "./secret/EditVariables";
import { SecretHistory } from "./secret/SecretHistory";

/** One named secret: its variables' names, edits to them, its audit history, and deleting it. */
export function SecretPage() {
  const { id = "" } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [changes, setChanges] = useState(0);
  const [saved, setSaved] = useState<string | null>(
    (location.state as { created?: boolean } | null)?.created ? "Created. Its values are not shown again." : null,
  );
  const [deleting, setDeleting] = useState(false);
  const secret = useResource(() => api.get("/api/v1/secrets/{id}/", { path: { id } }), [id, changes]);
  const environment = secret.status === "ready" ? (secret.data.environment ?? DEFAULT_ENVIRONMENT) : null;
  const listLink = `/secrets${environment ? `?environment=${encodeURIComponent(environment)}` : ""}`;

  return (
    <section>
      <p className="muted small">
        <Link to={listLink}>Secrets</Link>
      </p>
      {secret.status === "error" && <ErrorNotice error={secret.error} />}
      <h1>{secret.status === "ready" ? secret.data.name : "Secret"}</h1>
      {secret.status === "loading" && <p className="muted">Loading…</p>}
      {secret.status === "ready" && (
        <>
          <dl className="facts">
            <dt>Environment</dt>
            <dd>{environment}</dd>
            <dt>Id</dt>
            <dd className="muted">{secret.data.id}</dd>
            <dt>Created</dt>
            <dd>
              {formatDateTime(secret.data.created_at)} by {secret.data.created_by ?? "—"}
            </dd>
            <dt>Updated</dt>
            <dd>
              {formatDateTime(secret.data.updated_at)} by {secret.data.updated_by ?? "—"}
            </dd>
          </dl>
          <h2>Use it</h2>
          <pre className="snippet" aria-label="Usage">
            <code>{usageSnippet(secret.data.name, secret.data.environment)}</code>
          </pre>
          {saved && (
            <p role="status" className="saved">
              {saved}
            </p>
          )}
          <EditVariables
            key={secret.data.updated_at}
            secret={secret.data}
            onSaved={(message) => {
              setSaved(message);
              setChanges((n) => n + 1);
            }}
          />
          <SecretHistory secretId={secret.data.id} changes={changes} />
          <h2>Delete</h2>
          {deleting ? (
            <DeleteSecretPanel
              secret={secret.data}
              onCancel={() => setDeleting(false)}
              onDone={() => navigate(listLink, { replace: true })}
            />
          ) : (
            <p>
              <button type="button" className="danger" onClick={() => setDeleting(true)}>
                Delete secret…
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}

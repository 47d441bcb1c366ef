import { useState } from "react";

import { api, type Secret } from "../../api/client";
import { ErrorNotice } from "../../components/Notice";

/** Confirm deleting a secret; the API refuses (409, saying which apps) while running apps are given it. */
export function DeleteSecretPanel({
  secret,
  onCancel,
  onDone,
}: {
  secret: Secret;
  onCancel: () => void;
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = () => {
    setBusy(true);
    setError(null);
    api.delete("/api/v1/secrets/{id}/", { path: { id: secret.id } }).then(onDone, (e: unknown) => {
      setBusy(false);
      setError(e);
    });
  };
  return (
    <div className="panel form" role="region" aria-label="Delete secret">
      <p>
        Delete <strong>{secret.name}</strong> from {secret.environment}? Apps that name it could no longer run or
        deploy.
      </p>
      {error !== null && <ErrorNotice error={error} />}
      <p className="actions">
        <button type="button" className="danger" onClick={confirm} disabled={busy}>
          Delete {secret.name}
        </button>{" "}
        <button type="button" onClick={onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
      </p>
    </div>
  );
}

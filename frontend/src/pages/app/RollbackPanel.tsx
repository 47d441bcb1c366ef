import { useState } from "react";

import { api, ApiError } from "../../api/client";
import { useResource } from "../../api/useResource";
import { ErrorNotice } from "../../components/Notice";
import { StandingCostFacts } from "../../components/StandingCost";

/** What a rollback would change (files, functions, settings) and what it restores; then confirm. */
export function RollbackPanel({
  appId,
  version,
  onCancel,
  onDone,
}: {
  appId: string;
  version: number;
  onCancel: () => void;
  onDone: () => void;
}) {
  const preview = useResource(
    () =>
      api.get("/api/v1/apps/{id}/rollback-preview/", { path: { id: appId }, query: { version: String(version) } }),
    [appId, version],
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // A rollback whose idle cost alone exceeds a cap is refused (409 over_budget), as a deploy is;
  // the refusal is shown with a button that rolls back anyway.
  const overBudget = error instanceof ApiError && error.detail.code === "over_budget";

  const confirm = (force: boolean) => {
    setBusy(true);
    setError(null);
    api
      .post("/api/v1/apps/{id}/rollback/", { path: { id: appId }, body: { version, force } })
      .then(onDone, (e: unknown) => {
        setBusy(false);
        setError(e);
      });
  };

  return (
    <div className="panel" role="region" aria-label="Rollback preview">
      <h3>Roll back to v{version}</h3>
      {preview.status === "loading" && <p className="muted">Comparing the versions…</p>}
      {preview.status === "error" && <ErrorNotice error={preview.error} />}
      {preview.status === "ready" && (
        <>
          <p>
            From the live v{preview.data.live.number} to v{preview.data.target.number}: the rollback makes v
            {preview.data.new_number}.
            {preview.data.identical && " The two versions run the same thing."}
          </p>
          {preview.data.added.length > 0 && <p>Brings back: {preview.data.added.join(", ")}</p>}
          {preview.data.removed.length > 0 && <p>Stops: {preview.data.removed.join(", ")}</p>}
          {preview.data.files.map((file) => (
            <details key={file.path} open>
              <summary>
                <code>{file.path}</code> <span className="muted small">{file.change}</span>
              </summary>
              {file.binary ? <p className="muted small">{file.note}</p> : <pre className="diff">{file.diff}</pre>}
            </details>
          ))}
          {preview.data.changed.map((fn) => (
            <details key={fn.name} open>
              <summary>
                <strong>{fn.name}</strong>{" "}
                <span className="muted small">{fn.changes.map((c) => c.field).join(", ")}</span>
              </summary>
              <pre className="diff">{fn.diff}</pre>
            </details>
          ))}
          <StandingCostFacts cost={preview.data.standing_cost} label={`Standing cost of v${version}`} />
          <div className="contract" data-testid="restore-contract">
            <p className="strong">A rollback restores</p>
            <ul>
              {preview.data.restores.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            <p className="strong">It does not restore</p>
            <ul>
              {preview.data.does_not_restore.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
        </>
      )}
      {error !== null && <ErrorNotice error={error} />}
      <p className="actions">
        {overBudget ? (
          <button type="button" className="danger" onClick={() => confirm(true)} disabled={busy}>
            Roll back anyway, over the cap
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => confirm(false)}
            disabled={busy || preview.status !== "ready"}
          >
            Confirm rollback to v{version}
          </button>
        )}{" "}
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </p>
    </div>
  );
}

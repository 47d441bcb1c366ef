import { type ReactNode, useState } from "react";

import { ErrorNotice } from "./Notice";

/** Ask before an action that cannot be undone; the API's refusal (403, 404, …) shows in its own words. */
export function ConfirmPanel({
  label,
  confirm,
  children,
  action,
  onCancel,
  onDone,
}: {
  /** The region's accessible name, e.g. "Clear entries". */
  label: string;
  /** The confirming button's text. */
  confirm: string;
  children: ReactNode;
  action: () => Promise<unknown>;
  onCancel: () => void;
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = () => {
    setBusy(true);
    setError(null);
    action().then(onDone, (e: unknown) => {
      setBusy(false);
      setError(e);
    });
  };
  return (
    <div className="panel form" role="region" aria-label={label}>
      {children}
      {error !== null && <ErrorNotice error={error} />}
      <p className="actions">
        <button type="button" className="danger" onClick={run} disabled={busy}>
          {confirm}
        </button>{" "}
        <button type="button" onClick={onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
      </p>
    </div>
  );
}

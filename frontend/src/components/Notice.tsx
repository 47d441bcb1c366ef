import type { ReactNode } from "react";

import { ApiError, errorMessage } from "../api/client";

/** An error from the API, with its hint when it has one. */
export function ErrorNotice({ error }: { error: unknown }) {
  const hint = error instanceof ApiError ? error.detail.hint : undefined;
  return (
    <div role="alert" className="error notice">
      <p>{errorMessage(error)}</p>
      {hint && <p className="muted">{hint}</p>}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * Why no container could be placed for a function (its `waiting_reason`: which hosts lack what),
 * while it waits; nothing once it has one.
 */
export function WaitingNotice({ reason, since }: { reason: string; since?: string | null }) {
  if (!reason) return null;
  return (
    <div role="status" className="waiting notice" data-testid="waiting-reason">
      <p>
        <strong>Waiting for a container{since ? ` since ${new Date(since).toLocaleTimeString()}` : ""}.</strong>{" "}
        {reason}
      </p>
    </div>
  );
}

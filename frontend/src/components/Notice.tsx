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

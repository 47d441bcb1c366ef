import type { App, CallStatus } from "../api/client";

/** A call's status as a coloured badge; the text is the status itself. */
export function StatusBadge({ status }: { status: CallStatus }) {
  return (
    <span className={`badge badge-${status}`} data-testid="call-status">
      {status}
    </span>
  );
}

/** An input's status (it has two more than a call's: timed_out, terminated). */
export function InputStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="input-status">
      {status.replace("_", " ")}
    </span>
  );
}

export function AppStateBadge({ state }: { state: App["state"] }) {
  return <span className={`badge badge-app-${state}`}>{state}</span>;
}

/**
 * The app page's list of recent calls, kept up to date from the API and the app's WebSocket.
 *
 * Pure functions, so that the merge rules are unit-tested without a browser.
 */
import type { Call, CallStatus } from "../api/client";

/** A call as the WebSocket sends it: the API's call without `app_id` and `waiting_reason`. */
export type CallSummary = Omit<Call, "app_id" | "waiting_reason">;

/** How many calls the page keeps; older ones are a page away in the API. */
export const MAX_CALLS = 100;

export const CALL_STATUSES: readonly CallStatus[] = ["pending", "running", "succeeded", "failed", "cancelled"];

const PROGRESS: Record<CallStatus, number> = { pending: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

function newestFirst(a: CallSummary, b: CallSummary): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at);
}

/**
 * Insert a call, or replace the one with its id, keeping the list newest first.
 *
 * Updates come from several processes (the worker, the data-plane relay) and a page fetch can
 * answer after a newer WebSocket message, so a stale update never moves a call back to an
 * earlier status (a finished call stays finished).
 */
export function upsertCall(
  calls: readonly CallSummary[],
  update: CallSummary,
  limit: number = MAX_CALLS,
): CallSummary[] {
  const index = calls.findIndex((call) => call.id === update.id);
  if (index === -1) return [update, ...calls].sort(newestFirst).slice(0, limit);
  const current = calls[index]!;
  if (PROGRESS[update.status] < PROGRESS[current.status]) return calls.slice();
  const next = calls.slice();
  next[index] = update;
  return next;
}

/** Fold a page of calls from the API into the list the page already has. */
export function mergeCalls(calls: readonly CallSummary[], page: readonly CallSummary[]): CallSummary[] {
  return page.reduce<CallSummary[]>((list, call) => upsertCall(list, call), calls.slice());
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

/** The call of a `{"type": "call.updated", "call": {...}}` message, or null for anything else. */
export function parseCallEvent(data: unknown): CallSummary | null {
  if (!isString(data)) return null;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof message !== "object" || message === null) return null;
  const { type, call } = message as { type?: unknown; call?: unknown };
  if (type !== "call.updated" || typeof call !== "object" || call === null) return null;
  const c = call as Record<string, unknown>;
  const valid =
    isString(c.id) &&
    isString(c.function_id) &&
    isString(c.function_name) &&
    isString(c.kind) &&
    isString(c.status) &&
    (CALL_STATUSES as readonly string[]).includes(c.status) &&
    typeof c.input_count === "number" &&
    isString(c.created_at) &&
    (c.finished_at === null || isString(c.finished_at));
  if (!valid) return null;
  return {
    id: c.id as string,
    function_id: c.function_id as string,
    function_name: c.function_name as string,
    kind: c.kind as string,
    status: c.status as CallStatus,
    input_count: c.input_count as number,
    created_at: c.created_at as string,
    finished_at: c.finished_at as string | null,
  };
}

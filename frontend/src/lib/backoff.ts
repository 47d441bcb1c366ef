/** Reconnection delays for the live-update socket. */

export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;

/**
 * Milliseconds to wait before reconnection attempt number `attempt` (0 for the first).
 *
 * Exponential up to a cap, with ±25% jitter so that many dashboards do not all reconnect in
 * the same instant after a server restart.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** The WebSocket URL of a path on the page's own server (ws: or wss: like the page). */
export function socketUrl(path: string, location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

import { useEffect, useRef, useState } from "react";

import { api } from "../api/client";
import { reconnectDelay, socketUrl } from "./backoff";
import type { LogLine } from "./logs";

export type TailState =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "paused" }
  | { kind: "fallback"; retryAt: number; attempt: number };

export const FALLBACK_POLL_MS = 2_000;

/**
 * Follow the log lines matching `query` from `cursor` on: over `/ws/logs/` while it is open; when
 * it drops, by polling `GET /logs/?after=` (the same API) every FALLBACK_POLL_MS while it
 * reconnects with backoff. `onLines` may get a line twice (a young line repeats): merge by id.
 */
export function useLogTail(
  query: Record<string, string>,
  cursor: string | null,
  paused: boolean,
  onLines: (lines: LogLine[]) => void,
): TailState {
  const [state, setState] = useState<TailState>({ kind: "connecting" });
  const handler = useRef(onLines);
  handler.current = onLines;
  const key = JSON.stringify(query);

  useEffect(() => {
    if (cursor === null) return;
    if (paused) {
      setState({ kind: "paused" });
      return;
    }
    let stopped = false;
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let after = cursor;
    const filters = JSON.parse(key) as Record<string, string>;

    const pollOnce = () => {
      api.get("/api/v1/logs/", { query: { ...filters, after } }).then(
        (page) => {
          if (stopped) return;
          after = page.cursor;
          handler.current(page.results);
          poll = setTimeout(pollOnce, FALLBACK_POLL_MS);
        },
        () => {
          if (!stopped) poll = setTimeout(pollOnce, FALLBACK_POLL_MS);
        },
      );
    };

    const connect = () => {
      const params = new URLSearchParams({ ...filters, after });
      socket = new WebSocket(socketUrl(`/ws/logs/?${params.toString()}`, window.location));
      socket.onopen = () => {
        attempt = 0;
        clearTimeout(poll);
        poll = undefined;
        setState({ kind: "live" });
      };
      socket.onmessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { type: string; lines?: LogLine[]; cursor?: string };
        if (message.type === "lines" && message.lines) {
          if (message.cursor) after = message.cursor;
          handler.current(message.lines);
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        const delay = reconnectDelay(attempt);
        attempt += 1;
        setState({ kind: "fallback", retryAt: Date.now() + delay, attempt });
        if (poll === undefined) pollOnce();
        retry = setTimeout(connect, delay);
      };
    };

    setState({ kind: "connecting" });
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(poll);
      if (socket) {
        socket.onclose = null;
        socket.close();
      }
    };
  }, [key, cursor, paused]);

  return state;
}

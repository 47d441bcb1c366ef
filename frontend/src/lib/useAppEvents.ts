import { useEffect, useRef, useState } from "react";

import { reconnectDelay, socketUrl } from "./backoff";
import { type CallSummary, parseCallEvent } from "./calls";

export type LiveState = "connecting" | "open" | "reconnecting";

/**
 * Subscribe to `/ws/apps/<appId>/` and hand every `call.updated` to `onCall`.
 *
 * Reconnects with backoff whenever the socket drops. `onOpen` runs on every (re)connection so
 * the page can refetch what it may have missed while it was not subscribed.
 */
export function useAppEvents(
  appId: string,
  onCall: (call: CallSummary) => void,
  onOpen: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  // The handlers change on every render; the socket should not.
  const handlers = useRef({ onCall, onOpen });
  handlers.current = { onCall, onOpen };

  useEffect(() => {
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      socket = new WebSocket(socketUrl(`/ws/apps/${encodeURIComponent(appId)}/`, window.location));
      socket.onopen = () => {
        attempt = 0;
        setState("open");
        handlers.current.onOpen();
      };
      socket.onmessage = (event: MessageEvent) => {
        const call = parseCallEvent(event.data);
        if (call) handlers.current.onCall(call);
      };
      socket.onclose = () => {
        if (stopped) return;
        setState("reconnecting");
        timer = setTimeout(connect, reconnectDelay(attempt++));
      };
    };

    setState("connecting");
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [appId]);

  return state;
}

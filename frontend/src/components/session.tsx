import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { Navigate, useLocation } from "react-router";

import { api, ApiError, errorMessage, type Session } from "../api/client";

type Loaded = { status: "loading" } | { status: "ready"; session: Session | null } | { status: "error"; message: string };

interface SessionContextValue {
  session: Session | null;
  /** After a sign-in. */
  signedIn(session: Session): void;
  /** A request answered 401: the session ended elsewhere (signed out, expired). */
  expire(): void;
  signOut(): Promise<void>;
  /** Ask the server again (after a change the session shows, e.g. the workspace's name). */
  refresh(): void;
  /** Act in another of the user's workspaces (the workspace switcher). */
  switchTo(workspaceId: string): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Asks the server who is signed in (which also sets the csrftoken cookie), then renders. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState<Loaded>({ status: "loading" });

  const load = useCallback(() => {
    setLoaded({ status: "loading" });
    api
      .get("/api/v1/auth/session/")
      .then((session) => setLoaded({ status: "ready", session }))
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) setLoaded({ status: "ready", session: null });
        else setLoaded({ status: "error", message: errorMessage(error) });
      });
  }, []);
  useEffect(load, [load]);

  const signedIn = useCallback((session: Session) => setLoaded({ status: "ready", session }), []);
  const expire = useCallback(() => setLoaded({ status: "ready", session: null }), []);
  const signOut = useCallback(async () => {
    await api.delete("/api/v1/auth/session/");
    setLoaded({ status: "ready", session: null });
  }, []);
  const refresh = useCallback(() => {
    api.get("/api/v1/auth/session/").then(
      (session) => setLoaded({ status: "ready", session }),
      () => undefined, // the page in view shows its own errors; the session stays as it was
    );
  }, []);
  const switchTo = useCallback(async (workspaceId: string) => {
    const session = await api.put("/api/v1/auth/session/", { body: { workspace: workspaceId } });
    setLoaded({ status: "ready", session });
  }, []);
  const session = loaded.status === "ready" ? loaded.session : null;
  const value = useMemo(
    () => ({ session, signedIn, expire, signOut, refresh, switchTo }),
    [session, signedIn, expire, signOut, refresh, switchTo],
  );

  if (loaded.status === "loading") return <p className="page-status">Loading…</p>;
  if (loaded.status === "error") {
    return (
      <div className="page-status">
        <p role="alert" className="error">
          {loaded.message}
        </p>
        <button type="button" onClick={load}>
          Try again
        </button>
      </div>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession() outside <SessionProvider>");
  return value;
}

/** Renders its children for a signed-in user; sends everyone else to /login and back after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

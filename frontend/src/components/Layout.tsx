import { useState } from "react";
import { Link, Outlet, useNavigate } from "react-router";

import { errorMessage } from "../api/client";
import { useSession } from "./session";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";

/** The header (workspace, user, API docs, sign-out) around every signed-in page. */
export function Layout() {
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);

  const onSignOut = () => {
    setError(null);
    signOut().then(
      () => navigate("/login", { replace: true }),
      (e: unknown) => setError(errorMessage(e)),
    );
  };

  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          Skylift
        </Link>
        <WorkspaceSwitcher onError={setError} />
        <nav className="topnav">
          <Link to="/">Apps</Link>
          <Link to="/logs">Logs</Link>
          <Link to="/containers">Containers</Link>
          <Link to="/builds">Builds</Link>
          <Link to="/volumes">Volumes</Link>
          <Link to="/secrets">Secrets</Link>
          <Link to="/dicts">Dicts</Link>
          <Link to="/queues">Queues</Link>
          <Link to="/proxy-tokens">Proxy tokens</Link>
          <Link to="/members">Members</Link>
          <Link to="/tokens">API tokens</Link>
          <Link to="/audit">Audit log</Link>
          <Link to="/settings">Settings</Link>
          <a href="/api/docs/">API docs</a>
        </nav>
        <span className="user" data-testid="user">
          {session?.user.username}
          <span className="muted"> · {session?.role}</span>
        </span>
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {error && (
        <p role="alert" className="error banner">
          {error}
        </p>
      )}
      <main className="content">
        {/* Keyed by workspace: a switch loads every page afresh. */}
        <Outlet key={session?.workspace.id} />
      </main>
    </>
  );
}

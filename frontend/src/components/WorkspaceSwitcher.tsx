import { useState } from "react";
import { useNavigate } from "react-router";

import { errorMessage } from "../api/client";
import { useSession } from "./session";

/** The current workspace; a select among them for a user in several (the server keeps the choice in the session). */
export function WorkspaceSwitcher({ onError }: { onError: (message: string | null) => void }) {
  const { session, switchTo } = useSession();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  if (!session) return null;
  if (session.workspaces.length < 2) {
    return (
      <span className="workspace" title="Workspace">
        {session.workspace.name}
      </span>
    );
  }
  const change = (id: string) => {
    setBusy(true);
    onError(null);
    switchTo(id).then(
      () => {
        setBusy(false);
        navigate("/"); // the page in view belonged to the other workspace
      },
      (e: unknown) => {
        setBusy(false);
        onError(errorMessage(e));
      },
    );
  };
  return (
    <select
      className="workspace workspace-switcher"
      aria-label="Workspace"
      value={session.workspace.id}
      disabled={busy}
      onChange={(event) => change(event.target.value)}
    >
      {session.workspaces.map((w) => (
        <option key={w.id} value={w.id}>
          {w.name} ({w.role})
        </option>
      ))}
    </select>
  );
}

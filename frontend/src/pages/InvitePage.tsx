import { type FormEvent, useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";

import { api, ApiError, errorMessage } from "../api/client";
import { useSession } from "../components/session";
import { formatDateTime } from "../lib/format";
import { fieldError, inviteToken } from "../lib/team";

type Preview = { workspace: string; role: string; invited_by: string | null; expires_at: string };

/** An invite link's page: what it offers, then join as the signed-in user, by signing in, or with a new account. */
export function InvitePage() {
  const { session, signedIn } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const token = inviteToken(location.hash);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [dead, setDead] = useState<unknown>(null);
  const [mode, setMode] = useState<"new" | "existing">(session ? "existing" : "new");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.post("/api/v1/auth/invitation/preview/", { body: { token } }).then(setPreview, setDead);
  }, [token]);

  const accept = (body: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    api.post("/api/v1/auth/invitation/", { body: { token, new_account: false, ...body } }).then(
      (joined) => {
        signedIn(joined);
        navigate("/", { replace: true });
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept({ username, password, email, new_account: mode === "new" });
  };
  const generalError = error instanceof ApiError && error.detail.field && error.detail.field !== "token" ? null : error;

  return (
    <main className="login">
      <div className="card login-card">
        <h1>Join a workspace</h1>
        {dead !== null && (
          <div role="alert" className="error">
            <p>{errorMessage(dead)}</p>
            {dead instanceof ApiError && dead.detail.hint && <p className="muted">{dead.detail.hint}</p>}
          </div>
        )}
        {preview === null && dead === null && <p className="muted">Reading the invite…</p>}
        {preview && (
          <>
            <p data-testid="invite-offer">
              {preview.invited_by ?? "Someone"} invites you to <strong>{preview.workspace}</strong> as{" "}
              <strong>{preview.role}</strong>. The link works once, until {formatDateTime(preview.expires_at)}.
            </p>
            {session && (
              <p>
                <button type="button" className="primary" disabled={busy} onClick={() => accept({ new_account: false })}>
                  Join as {session.user.username}
                </button>
              </p>
            )}
            <form onSubmit={submit} aria-label="Accept invite">
              <fieldset className="templates">
                <legend>{session ? "Or with another account" : "Your account"}</legend>
                <label>
                  <input type="radio" name="mode" checked={mode === "new"} onChange={() => setMode("new")} /> A new
                  account
                </label>{" "}
                <label>
                  <input type="radio" name="mode" checked={mode === "existing"} onChange={() => setMode("existing")} />{" "}
                  An account I have
                </label>
              </fieldset>
              <label>
                Username
                <input
                  name="username"
                  autoComplete="username"
                  required
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                />
              </label>
              {fieldError(error, "username") && <p className="error field-error">{fieldError(error, "username")}</p>}
              <label>
                Password
                <input
                  name="password"
                  type="password"
                  autoComplete={mode === "new" ? "new-password" : "current-password"}
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </label>
              {fieldError(error, "password") && <p className="error field-error">{fieldError(error, "password")}</p>}
              {mode === "new" && (
                <label>
                  E-mail (optional)
                  <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
                </label>
              )}
              {fieldError(error, "email") && <p className="error field-error">{fieldError(error, "email")}</p>}
              {generalError !== null && (
                <p role="alert" className="error">
                  {errorMessage(generalError)}
                </p>
              )}
              <button type="submit" className="primary" disabled={busy}>
                {mode === "new" ? "Create account and join" : "Sign in and join"}
              </button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}

import { type FormEvent, useEffect, useState } from "react";

import { api, type WorkspaceSettings } from "../api/client";
import { useResource } from "../api/useResource";
import { ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { fieldError, formError, parseLimit } from "../lib/team";

const NUMBERS = [
  ["log_retention_days", "Log retention (days)", "empty: the platform's default"],
  ["gpu_limit", "GPU limit", "GPUs its containers may hold at once; empty: no limit"],
  ["input_rate", "Input rate (per second)", "empty: the platform's"],
  ["input_burst", "Input burst", "inputs accepted at once above the rate; empty: the platform's"],
] as const;
type NumberField = (typeof NUMBERS)[number][0];
const FIELDS = ["name", ...NUMBERS.map(([f]) => f)];

function text(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** The workspace's name, log retention and limits; the server checks them, its errors beside each field. */
export function SettingsPage() {
  const { session, refresh } = useSession();
  const loaded = useResource(() => api.get("/api/v1/workspace/"), []);
  const [form, setForm] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fill = (settings: WorkspaceSettings) =>
    setForm({ name: settings.name, ...Object.fromEntries(NUMBERS.map(([f]) => [f, text(settings[f])])) });
  useEffect(() => {
    if (loaded.status === "ready") fill(loaded.data);
  }, [loaded]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    const body: Record<string, unknown> = { name: (form.name ?? "").trim() };
    for (const [field] of NUMBERS) body[field] = parseLimit(form[field] ?? "");
    api.patch("/api/v1/workspace/", { body: body as Partial<Record<NumberField | "name", never>> }).then(
      (settings) => {
        setBusy(false);
        fill(settings);
        setSaved("Saved.");
        refresh();
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  if (loaded.status === "loading") return <p className="muted">Loading…</p>;
  if (loaded.status === "error") return <ErrorNotice error={loaded.error} />;
  const limits = loaded.data.limits as Record<string, [number, number]>;
  const other = formError(error, FIELDS);

  return (
    <section>
      <h1>Workspace settings</h1>
      <p className="muted">
        Owners and admins change these; your role in {session?.workspace.name} is {session?.role}.
      </p>
      <form className="panel form settings" onSubmit={save} aria-label="Workspace settings" noValidate>
        <div className="field">
          <label htmlFor="setting-name">Name</label>
          <input
            id="setting-name"
            type="text"
            value={form.name ?? ""}
            aria-invalid={fieldError(error, "name") ? true : undefined}
            aria-describedby="setting-name-error"
            onChange={(event) => setForm({ ...form, name: event.target.value })}
          />
          <span id="setting-name-error" className="error field-error" data-testid="error-name">
            {fieldError(error, "name")}
          </span>
        </div>
        {NUMBERS.map(([field, label, help]) => (
          <div className="field" key={field}>
            <label htmlFor={`setting-${field}`}>{label}</label>
            <input
              id={`setting-${field}`}
              type="text"
              inputMode="numeric"
              value={form[field] ?? ""}
              placeholder={limits[field] ? `${limits[field][0]} to ${limits[field][1]}` : ""}
              aria-invalid={fieldError(error, field) ? true : undefined}
              aria-describedby={`setting-${field}-error`}
              onChange={(event) => setForm({ ...form, [field]: event.target.value })}
            />
            <span className="muted small">{help}</span>
            <span id={`setting-${field}-error`} className="error field-error" data-testid={`error-${field}`}>
              {fieldError(error, field)}
            </span>
          </div>
        ))}
        <p className="muted small">Logs are kept {loaded.data.effective_log_retention_days} days.</p>
        {other !== null && error !== null && <ErrorNotice error={error} />}
        {saved && (
          <p role="status" className="saved">
            {saved}
          </p>
        )}
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save settings
          </button>
        </p>
      </form>
    </section>
  );
}

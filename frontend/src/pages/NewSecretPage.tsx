import { type FormEvent, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api } from "../api/client";
import { EnvironmentSelect } from "../components/EnvironmentSelect";
import { ErrorNotice } from "../components/Notice";
import { VariableRows } from "../components/VariableRows";
import {
  DEFAULT_ENVIRONMENT,
  rowsForTemplate,
  SECRET_TEMPLATES,
  valuesFromRows,
  type VariableRow,
} from "../lib/secrets";

const [CUSTOM] = SECRET_TEMPLATES;

/** Create a named secret from a template; its values go to the server and are never shown again. */
export function NewSecretPage() {
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [environment, setEnvironment] = useState(search.get("environment") || DEFAULT_ENVIRONMENT);
  const [templateId, setTemplateId] = useState(CUSTOM!.id);
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [rows, setRows] = useState<VariableRow[]>(() => rowsForTemplate(CUSTOM!));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const chooseTemplate = (id: string) => {
    const template = SECRET_TEMPLATES.find((t) => t.id === id) ?? CUSTOM!;
    setTemplateId(template.id);
    setRows(rowsForTemplate(template, rows));
    if (!nameTouched) setName(template.name);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = valuesFromRows(rows);
    if ("problem" in parsed) {
      setError(new Error(parsed.problem));
      return;
    }
    setBusy(true);
    setError(null);
    api.post("/api/v1/secrets/", { body: { name: name.trim(), environment, values: parsed.values } }).then(
      (secret) => navigate(`/secrets/${encodeURIComponent(secret.id)}`, { replace: true, state: { created: true } }),
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  return (
    <section>
      <p className="muted small">
        <Link to={`/secrets?environment=${encodeURIComponent(environment)}`}>Secrets</Link>
      </p>
      <h1>New secret</h1>
      <form className="form" onSubmit={submit} aria-label="New secret">
        <fieldset className="templates">
          <legend>Template</legend>
          {SECRET_TEMPLATES.map((template) => (
            <label key={template.id} className={template.id === templateId ? "tile chosen" : "tile"}>
              <input
                type="radio"
                name="template"
                value={template.id}
                checked={template.id === templateId}
                onChange={() => chooseTemplate(template.id)}
              />
              {template.label}
            </label>
          ))}
        </fieldset>
        <div className="field-grid">
          <label htmlFor="secret-name">Name</label>
          <input
            id="secret-name"
            type="text"
            required
            value={name}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => {
              setName(event.target.value);
              setNameTouched(true);
            }}
          />
          <label htmlFor="secret-environment">Environment</label>
          <EnvironmentSelect id="secret-environment" value={environment} onChange={setEnvironment} />
        </div>
        <h2>Variables</h2>
        <p className="muted small">
          Functions given the secret find these in <code>os.environ</code>. Values are write-only: once saved, no
          page or answer shows them again.
        </p>
        <VariableRows rows={rows} onChange={setRows} />
        {error !== null && <ErrorNotice error={error} />}
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Create secret
          </button>
        </p>
      </form>
    </section>
  );
}

import { type FormEvent, useState } from "react";

import { api, type Secret } from "../../api/client";
import { ErrorNotice } from "../../components/Notice";
import { VariableRows } from "../../components/VariableRows";
import { describeEdit, valuesFromRows, type VariableRow } from "../../lib/secrets";

/**
 * The secret's variables by name: give one a new value, remove some, add others, all saved at
 * once (PATCH: the variables left alone keep their values, which the page never has).
 */
export function EditVariables({ secret, onSaved }: { secret: Secret; onSaved: (message: string) => void }) {
  const [newValues, setNewValues] = useState<Record<string, string>>({});
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [added, setAdded] = useState<VariableRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changed = secret.keys
      .filter((key) => !removed.has(key) && (newValues[key] ?? "") !== "")
      .map((key) => ({ key, value: newValues[key] ?? "" }));
    const parsed = valuesFromRows([...changed, ...added]);
    if ("problem" in parsed) {
      setError(new Error(parsed.problem));
      return;
    }
    const remove = secret.keys.filter((key) => removed.has(key));
    const set = parsed.values;
    if (Object.keys(set).length === 0 && remove.length === 0) {
      setError(new Error("Nothing to save: type a new value, add a variable or mark one to remove."));
      return;
    }
    setBusy(true);
    setError(null);
    api.patch("/api/v1/secrets/{id}/", { path: { id: secret.id }, body: { set, remove } }).then(
      () => onSaved(`Saved: ${describeEdit(Object.keys(set), remove)}.`),
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  const toggleRemoved = (key: string, checked: boolean) => {
    const next = new Set(removed);
    if (checked) next.add(key);
    else next.delete(key);
    setRemoved(next);
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Edit variables">
      <h2>Variables</h2>
      <p className="muted small">
        Values are write-only: type a new one to change it, leave it empty to keep it. Functions get the changes at
        their next container start.
      </p>
      {secret.keys.length > 0 && (
        <table className="table" aria-label="Variables">
          <thead>
            <tr>
              <th>Name</th>
              <th>New value</th>
              <th>Remove</th>
            </tr>
          </thead>
          <tbody>
            {secret.keys.map((key) => (
              <tr key={key} data-testid="variable">
                <td>
                  <code>{key}</code>
                </td>
                <td>
                  <input
                    type="password"
                    aria-label={`New value of ${key}`}
                    placeholder="unchanged"
                    autoComplete="new-password"
                    value={newValues[key] ?? ""}
                    disabled={removed.has(key)}
                    onChange={(event) => setNewValues({ ...newValues, [key]: event.target.value })}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Remove ${key}`}
                    checked={removed.has(key)}
                    onChange={(event) => toggleRemoved(key, event.target.checked)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <VariableRows rows={added} onChange={setAdded} />
      {error !== null && <ErrorNotice error={error} />}
      <p className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save changes
        </button>
      </p>
    </form>
  );
}

import type { VariableRow } from "../lib/secrets";

/**
 * Rows of a variable's name and value. Values are password fields: what is typed is not shown,
 * and browsers are asked not to fill them from saved passwords.
 */
export function VariableRows({
  rows,
  onChange,
  addLabel = "Add variable",
}: {
  rows: VariableRow[];
  onChange: (rows: VariableRow[]) => void;
  addLabel?: string;
}) {
  const update = (index: number, change: Partial<VariableRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  return (
    <div className="variables">
      {rows.map((row, index) => {
        const label = row.key.trim() || `variable ${index + 1}`;
        return (
          <div className="variable-row" key={index} data-testid="variable-row">
            <input
              type="text"
              aria-label={`Name of variable ${index + 1}`}
              placeholder="NAME"
              value={row.key}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => update(index, { key: event.target.value })}
            />
            <input
              type="password"
              aria-label={`Value of ${label}`}
              placeholder={row.example ?? "value"}
              value={row.value}
              autoComplete="new-password"
              onChange={(event) => update(index, { value: event.target.value })}
            />
            <button
              type="button"
              aria-label={`Remove ${label}`}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <p>
        <button type="button" onClick={() => onChange([...rows, { key: "", value: "" }])}>
          {addLabel}
        </button>
      </p>
    </div>
  );
}

/** Secrets in the dashboard: the templates a new secret starts from, the rows of variables the
 * forms edit, and what the pages say about a secret. */

/** The environment a secret is in when none is named. */
export const DEFAULT_ENVIRONMENT = "main";

export interface SecretTemplate {
  id: string;
  label: string;
  /** A name to suggest while the person has not typed one. */
  name: string;
  /** Variable names, with an example of the value's shape (shown as a placeholder). */
  variables: { key: string; example?: string }[];
}

export const SECRET_TEMPLATES: SecretTemplate[] = [
  { id: "custom", label: "Custom", name: "", variables: [{ key: "" }] },
  {
    id: "postgres",
    label: "PostgreSQL",
    name: "postgres",
    variables: [
      { key: "PGHOST", example: "db.internal" },
      { key: "PGPORT", example: "5432" },
      { key: "PGUSER" },
      { key: "PGPASSWORD" },
      { key: "PGDATABASE" },
    ],
  },
  {
    id: "mongodb",
    label: "MongoDB",
    name: "mongodb",
    variables: [{ key: "MONGO_URI", example: "mongodb://user:password@host:27017/db" }],
  },
  { id: "huggingface", label: "Hugging Face", name: "huggingface", variables: [{ key: "HF_TOKEN" }] },
  { id: "openai", label: "OpenAI", name: "openai", variables: [{ key: "OPENAI_API_KEY" }] },
  {
    id: "aws",
    label: "AWS",
    name: "aws",
    variables: [
      { key: "AWS_ACCESS_KEY_ID" },
      { key: "AWS_SECRET_ACCESS_KEY" },
      { key: "AWS_REGION", example: "us-east-1" },
    ],
  },
  { id: "wandb", label: "Weights & Biases", name: "wandb", variables: [{ key: "WANDB_API_KEY" }] },
];

/** One variable being typed: its name, its value, and the example to show while the value is empty. */
export interface VariableRow {
  key: string;
  value: string;
  example?: string;
}

/** The rows a template starts with; values already typed for a variable of the same name are kept. */
export function rowsForTemplate(template: SecretTemplate, typed: VariableRow[] = []): VariableRow[] {
  const kept = new Map(typed.filter((row) => row.key.trim() !== "").map((row) => [row.key.trim(), row.value]));
  return template.variables.map(({ key, example }) => ({ key, value: kept.get(key) ?? "", example }));
}

/**
 * The `{name: value}` object to send, or why not. Rows left wholly empty are skipped; names are
 * trimmed (values never are); whether a name is a valid variable name is the API's to say.
 */
export function valuesFromRows(rows: VariableRow[]): { values: Record<string, string> } | { problem: string } {
  const values: Record<string, string> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (key === "" && row.value === "") continue;
    if (key === "") return { problem: "A value has no variable name: name it, or remove its row." };
    if (Object.hasOwn(values, key)) return { problem: `The variable ${key} is listed twice.` };
    values[key] = row.value;
  }
  return { values };
}

/** The Python that gives a function the secret. */
export function usageSnippet(name: string, environment: string | null): string {
  const args = [JSON.stringify(name)];
  if (environment && environment !== DEFAULT_ENVIRONMENT) args.push(`environment_name=${JSON.stringify(environment)}`);
  return `@app.function(secrets=[skylift.Secret.from_name(${args.join(", ")})])`;
}

/** "set PGPASSWORD; removed PGPORT". */
export function describeEdit(set: string[], remove: string[]): string {
  const parts = [];
  if (set.length) parts.push(`set ${set.join(", ")}`);
  if (remove.length) parts.push(`removed ${remove.join(", ")}`);
  return parts.join("; ");
}

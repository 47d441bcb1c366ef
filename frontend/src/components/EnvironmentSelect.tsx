import { api } from "../api/client";
import { useResource } from "../api/useResource";

/**
 * A choice among the workspace's environments (`main` always exists). With `allLabel`, a first
 * option of value "" stands for every environment.
 */
export function EnvironmentSelect({
  value,
  onChange,
  id,
  allLabel,
}: {
  value: string;
  onChange: (name: string) => void;
  id: string;
  allLabel?: string;
}) {
  const environments = useResource(() => api.get("/api/v1/environments/", { query: { limit: 100 } }), []);
  const names = environments.status === "ready" ? environments.data.results.map((env) => env.name) : [];
  if (value !== "" && !names.includes(value)) names.unshift(value); // the chosen one shows while the list loads
  return (
    <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
      {allLabel !== undefined && <option value="">{allLabel}</option>}
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

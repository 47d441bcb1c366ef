import { api } from "../api/client";
import { useResource } from "../api/useResource";

/** A choice among the workspace's environments (`main` always exists). */
export function EnvironmentSelect({
  value,
  onChange,
  id,
}: {
  value: string;
  onChange: (name: string) => void;
  id: string;
}) {
  const environments = useResource(() => api.get("/api/v1/environments/", { query: { limit: 100 } }), []);
  const names = environments.status === "ready" ? environments.data.results.map((env) => env.name) : [];
  if (!names.includes(value)) names.unshift(value); // the chosen one shows while the list loads
  return (
    <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

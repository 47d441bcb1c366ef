import { api } from "../api/client";
import { StateListPage } from "./state/StateListPage";

/** The Dicts of one environment. */
export function DictsPage() {
  return (
    <StateListPage
      kind="Dict"
      title="Dicts"
      base="/dicts"
      load={(environment) => api.get("/api/v1/dicts/", { query: { environment, limit: 500 } })}
    />
  );
}

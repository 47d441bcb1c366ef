import { api } from "../api/client";
import { StateListPage } from "./state/StateListPage";

/** The Queues of one environment. */
export function QueuesPage() {
  return (
    <StateListPage
      kind="Queue"
      title="Queues"
      base="/queues"
      load={(environment) => api.get("/api/v1/queues/", { query: { environment, limit: 500 } })}
    />
  );
}

import { Link } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatDateTime } from "../lib/format";

/** The workspace's volumes. */
export function VolumesPage() {
  const volumes = useResource(() => api.get("/api/v1/volumes/", { query: { limit: 500 } }), []);

  return (
    <section>
      <h1>Volumes</h1>
      {volumes.status === "loading" && <p className="muted">Loading…</p>}
      {volumes.status === "error" && <ErrorNotice error={volumes.error} />}
      {volumes.status === "ready" && volumes.data.results.length === 0 && (
        <Empty>
          No volumes yet. Make one with <code>skylift volume create NAME</code> or{" "}
          <code>Volume.from_name(NAME, create_if_missing=True)</code>.
        </Empty>
      )}
      {volumes.status === "ready" && volumes.data.results.length > 0 && (
        <table className="table" aria-label="Volumes">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {volumes.data.results.map((volume) => (
              <tr key={volume.id}>
                <td>
                  <Link to={`/volumes/${encodeURIComponent(volume.id)}`}>{volume.name}</Link>
                </td>
                <td className="muted small">{volume.id}</td>
                <td>{formatDateTime(volume.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatBytes, formatDateTime } from "../lib/format";

/** One volume: a folder of it at a time (`?path=`), its entries listed, never followed; delete it. */
export function VolumePage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const [search] = useSearchParams();
  const path = (search.get("path") ?? "").replace(/^\/+|\/+$/g, "");
  const volume = useResource(() => api.get("/api/v1/volumes/{id}/", { path: { id } }), [id]);
  const listing = useResource(
    () => api.get("/api/v1/volumes/{id}/files/", { path: { id }, query: { path: `/${path}` } }),
    [id, path],
  );
  const crumbs = path ? path.split("/") : [];
  const folderLink = (to: string) => `/volumes/${encodeURIComponent(id)}?path=${encodeURIComponent(to)}`;

  return (
    <section>
      <p className="muted small">
        <Link to="/volumes">Volumes</Link>
      </p>
      {volume.status === "error" && <ErrorNotice error={volume.error} />}
      <h1>{volume.status === "ready" ? volume.data.name : "Volume"}</h1>
      {volume.status === "ready" && (
        <p className="muted small">
          {volume.data.id} · created {formatDateTime(volume.data.created_at)}{" "}
          {!deleting && (
            <button type="button" className="danger" onClick={() => setDeleting(true)}>
              Delete volume…
            </button>
          )}
        </p>
      )}
      {volume.status === "ready" && deleting && (
        <ConfirmPanel
          label="Delete volume"
          confirm={`Delete ${volume.data.name}`}
          action={() => api.delete("/api/v1/volumes/{id}/", { path: { id } })}
          onCancel={() => setDeleting(false)}
          onDone={() => navigate("/volumes")}
        >
          <p>
            Delete <strong>{volume.data.name}</strong> and every file in it? This cannot be undone.
          </p>
        </ConfirmPanel>
      )}
      <nav aria-label="Folder" className="small">
        <Link to={folderLink("")}>/</Link>
        {crumbs.map((name, i) => (
          <span key={i}>
            {i > 0 && " / "}
            <Link to={folderLink(crumbs.slice(0, i + 1).join("/"))}>{name}</Link>
          </span>
        ))}
      </nav>
      {listing.status === "loading" && <p className="muted">Loading…</p>}
      {listing.status === "error" && <ErrorNotice error={listing.error} />}
      {listing.status === "ready" && listing.data.entries.length === 0 && <Empty>This folder is empty.</Empty>}
      {listing.status === "ready" && listing.data.entries.length > 0 && (
        <table className="table" aria-label="Files">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th className="num">Size</th>
              <th>Modified</th>
            </tr>
          </thead>
          <tbody>
            {listing.data.entries.map((entry) => {
              const name = entry.path.split("/").pop() ?? entry.path;
              return (
                <tr key={entry.path}>
                  <td>
                    {entry.type === "directory" ? <Link to={folderLink(entry.path)}>{name}/</Link> : name}
                  </td>
                  <td>{entry.type}</td>
                  <td className="num">{entry.type === "file" ? formatBytes(entry.size) : ""}</td>
                  <td>{formatDateTime(new Date(entry.mtime * 1000).toISOString())}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

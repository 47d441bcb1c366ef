import { useState } from "react";

import { api, type App } from "../../api/client";
import type { components } from "../../api/schema";
import { useResource } from "../../api/useResource";
import { Empty, ErrorNotice } from "../../components/Notice";
import { formatDateTime } from "../../lib/format";
import { RollbackPanel } from "./RollbackPanel";

type Version = components["schemas"]["AppVersion"];
type ColdStarts = components["schemas"]["ColdStarts"];

function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value.toFixed(2)} s`;
}

/** A version's cold starts beside its predecessor's, flagged past 1.5x. */
function ColdStartCell({ cold }: { cold: ColdStarts | undefined }) {
  if (!cold || cold.count === 0) return <span className="muted">none yet</span>;
  return (
    <span data-testid="cold-starts">
      {seconds(cold.median)} <span className="muted small">p90 {seconds(cold.p90)}</span>
      {cold.previous_median !== null && cold.previous_median !== undefined && (
        <span className="muted small"> · before {seconds(cold.previous_median)}</span>
      )}
      {cold.flagged && (
        <span className="badge badge-failed" title="More than 1.5x the previous version's median">
          {cold.ratio ? `${cold.ratio.toFixed(1)}x slower` : "slower"}
        </span>
      )}
    </span>
  );
}

/** The versions of a deployed app, newest first, each with a rollback behind a preview. */
export function VersionsSection({ app, onChanged }: { app: App; onChanged: () => void }) {
  const [reloads, setReloads] = useState(0);
  const [previewing, setPreviewing] = useState<number | null>(null);
  const versions = useResource(
    () => api.get("/api/v1/apps/{id}/versions/", { path: { id: app.id } }),
    [app.id, reloads],
  );
  const deployed = app.state === "deployed";

  return (
    <section>
      <h2>Versions</h2>
      {versions.status === "loading" && <p className="muted">Loading…</p>}
      {versions.status === "error" && <ErrorNotice error={versions.error} />}
      {versions.status === "ready" && versions.data.length === 0 && <Empty>Not deployed yet.</Empty>}
      {versions.status === "ready" && versions.data.length > 0 && (
        <table className="table" aria-label="Versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Deployed</th>
              <th>By</th>
              <th>Tag</th>
              <th>Commit</th>
              <th>Cold starts (median)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v: Version) => {
              const live = v.number === app.live_version;
              return (
                <tr key={v.id} data-testid="version-row" data-version={v.number}>
                  <td className="strong">
                    v{v.number} {live && <span className="badge badge-app-deployed">live</span>}
                    {v.rollback_of && <div className="muted small">rollback to v{v.rollback_of}</div>}
                  </td>
                  <td>{formatDateTime(v.created_at)}</td>
                  <td>{v.created_by ?? "—"}</td>
                  <td>{v.tag || "—"}</td>
                  <td>
                    <code className="small">
                      {v.git_commit ? v.git_commit.slice(0, 10) + (v.git_dirty ? "-dirty" : "") : "—"}
                    </code>
                  </td>
                  <td>
                    <ColdStartCell cold={v.cold_starts} />
                  </td>
                  <td>
                    {deployed && !live && (
                      <button type="button" onClick={() => setPreviewing(v.number)}>
                        Roll back to v{v.number}…
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {previewing !== null && (
        <RollbackPanel
          key={previewing}
          appId={app.id}
          version={previewing}
          onCancel={() => setPreviewing(null)}
          onDone={() => {
            setPreviewing(null);
            setReloads((n) => n + 1);
            onChanged();
          }}
        />
      )}
    </section>
  );
}

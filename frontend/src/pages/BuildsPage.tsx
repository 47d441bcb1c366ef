import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { Empty, ErrorNotice } from "../components/Notice";
import { formatBytes, formatDateTime } from "../lib/format";

const ACTIVE = new Set(["queued", "running"]);
const REFRESH_MS = 2_000;

/** A build's log: while it runs, followed through the long-poll (`/builds/{id}/logs/`); after, as kept. */
function BuildLog({ id, active, kept }: { id: string; active: boolean; kept: string }) {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let cursor = "0";
    const collected: string[] = [];
    const next = () => {
      api.get("/api/v1/builds/{id}/logs/", { path: { id }, query: { after: cursor, timeout: 10 } }).then(
        (page) => {
          if (stopped) return;
          cursor = page.cursor;
          for (const entry of page.entries) if (entry.type === "line") collected.push(entry.text);
          setLines([...collected]);
          if (!page.done) next();
        },
        () => {
          if (!stopped) setTimeout(next, REFRESH_MS);
        },
      );
    };
    next();
    return () => {
      stopped = true;
    };
  }, [id, active]);
  const text = active ? lines.join("\n") : kept;
  return (
    <pre className="log-view" role="log" aria-label="Build log" style={{ maxHeight: 400, overflow: "auto" }}>
      {text || "(no output yet)"}
    </pre>
  );
}

function BuildDetail({ id }: { id: string }) {
  const navigate = useNavigate();
  const [version, setVersion] = useState(0);
  const build = useResource(() => api.get("/api/v1/builds/{id}/", { path: { id } }), [id, version]);
  const [confirming, setConfirming] = useState(false);
  const active = build.status === "ready" && ACTIVE.has(build.data.status);
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => setVersion((v) => v + 1), REFRESH_MS);
    return () => clearTimeout(timer);
  }, [active, build]);
  if (build.status === "error") return <ErrorNotice error={build.error} />;
  if (build.status === "loading" && version === 0) return <p className="muted">Loading…</p>;
  if (build.status !== "ready") return null;
  const b = build.data;
  return (
    <div className="panel" role="region" aria-label={`Build ${b.id}`}>
      <h2>
        Build <code>{b.id}</code> <span className={`badge badge-${b.status}`}>{b.status}</span>
      </h2>
      <p className="muted small">
        Image <code>{b.image_id}</code> · started {formatDateTime(b.started_at ?? b.created_at)}
        {b.duration !== null && ` · ${b.duration.toFixed(1)} s`} · {b.cache_hits} cached, {b.layers_built} built
        {b.force && " · forced"}
      </p>
      {b.error && <p className="error">{b.error}</p>}
      <table className="table" aria-label="Build steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>What</th>
            <th>Layer</th>
            <th>Duration</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {b.steps.map((step) => (
            <tr key={step.index} data-testid="build-step">
              <td>{step.index}</td>
              <td>
                <code>{step.description}</code>
              </td>
              <td data-testid="step-status">{step.status === "cached" ? "cache hit" : step.status}</td>
              <td>{step.duration === null ? "—" : `${step.duration.toFixed(1)} s`}</td>
              <td>{step.size === null || step.size === undefined ? "—" : formatBytes(step.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="actions">
        <button type="button" onClick={() => setConfirming(true)} disabled={active}>
          Force rebuild
        </button>
      </p>
      {confirming && (
        <ConfirmPanel
          label="Force rebuild"
          confirm="Rebuild every layer"
          action={() =>
            api.post("/api/v1/builds/{id}/rebuild/", { path: { id: b.id } }).then((made) => {
              if (made.build) navigate(`/builds?build=${made.build.id}`);
            })
          }
          onCancel={() => setConfirming(false)}
          onDone={() => setConfirming(false)}
        >
          <p>Build this image again without the layer cache? Its layers are replaced for every image sharing them.</p>
        </ConfirmPanel>
      )}
      <h3>Log</h3>
      <BuildLog id={b.id} active={active} kept={b.log} />
    </div>
  );
}

/** Image builds of the workspace: status, cache hits; one build's steps, sizes, live log, force rebuild. */
export function BuildsPage() {
  const [params] = useSearchParams();
  const selected = params.get("build");
  const [version, setVersion] = useState(0);
  const builds = useResource(() => api.get("/api/v1/builds/", { query: { limit: 50 } }), [version]);
  const anyActive = builds.status === "ready" && builds.data.results.some((b) => ACTIVE.has(b.status));
  useEffect(() => {
    if (!anyActive) return;
    const timer = setTimeout(() => setVersion((v) => v + 1), REFRESH_MS);
    return () => clearTimeout(timer);
  }, [anyActive, builds]);

  return (
    <section>
      <h1>Builds</h1>
      {selected && <BuildDetail key={selected} id={selected} />}
      {builds.status === "error" && <ErrorNotice error={builds.error} />}
      {builds.status === "ready" &&
        (builds.data.results.length === 0 ? (
          <Empty>No image was built yet.</Empty>
        ) : (
          <table className="table" aria-label="Builds">
            <thead>
              <tr>
                <th>Build</th>
                <th>Image</th>
                <th>Status</th>
                <th>Steps</th>
                <th>Cache hits</th>
                <th>Built</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {builds.data.results.map((b) => (
                <tr key={b.id} data-testid="build-row">
                  <td>
                    <Link to={`/builds?build=${b.id}`}>{b.id}</Link>
                  </td>
                  <td>
                    <code>{b.image_id}</code>
                  </td>
                  <td>
                    <span className={`badge badge-${b.status}`}>{b.status}</span>
                  </td>
                  <td>{b.steps.length}</td>
                  <td>{b.cache_hits}</td>
                  <td>{b.layers_built}</td>
                  <td>{formatDateTime(b.started_at ?? b.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

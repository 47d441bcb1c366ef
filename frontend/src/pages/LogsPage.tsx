import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { api } from "../api/client";
import { useResource } from "../api/useResource";
import { ErrorNotice } from "../components/Notice";
import { FILTER_NAMES, filterQuery, type LogFilters, type LogLine, mergeLines, visibleWindow } from "../lib/logs";
import { type TailState, useLogTail } from "../lib/useLogTail";

const ROW_HEIGHT = 20;
const VIEWPORT = 560;

function TailStatus({ state }: { state: TailState }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (state.kind !== "fallback") return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [state]);
  if (state.kind === "live") return <span className="badge badge-succeeded">Live</span>;
  if (state.kind === "paused") return <span className="badge">Paused</span>;
  if (state.kind === "connecting") return <span className="badge">Connecting…</span>;
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return (
    <span role="status" className="badge badge-pending">
      Live connection lost: polling every 2 s; reconnecting in {seconds} s (attempt {state.attempt})
    </span>
  );
}

/** Log lines of the workspace's containers: filters, text search, pages back, live tail, download. */
export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const filters: LogFilters = useMemo(() => {
    const found: LogFilters = {};
    for (const name of FILTER_NAMES) {
      const value = params.get(name);
      if (value) found[name] = value;
    }
    return found;
  }, [params]);
  const query = useMemo(() => filterQuery(filters), [filters]);
  const [draft, setDraft] = useState<LogFilters>(filters);
  useEffect(() => setDraft(filters), [filters]);

  const apps = useResource(() => api.get("/api/v1/apps/", { query: { limit: 500 } }), []);
  const [lines, setLines] = useState<LogLine[]>([]);
  const seen = useRef(new Set<string>());
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [paused, setPaused] = useState(false);
  const [timestamps, setTimestamps] = useState(true);
  const [follow, setFollow] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let current = true;
    seen.current = new Set();
    setLines([]);
    setCursor(null);
    setError(null);
    api.get("/api/v1/logs/", { query }).then(
      (page) => {
        if (!current) return;
        setLines(mergeLines([], page.results, seen.current));
        setNextBefore(page.next_before);
        setCursor(page.cursor);
      },
      (e: unknown) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [query]);

  const onLines = useCallback((more: LogLine[]) => setLines((shown) => mergeLines(shown, more, seen.current)), []);
  const tail = useLogTail(query, cursor, paused, onLines);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  const older = () => {
    if (!nextBefore) return;
    api.get("/api/v1/logs/", { query: { ...query, before: nextBefore } }).then((page) => {
      setLines((shown) => mergeLines(shown, page.results, seen.current));
      setNextBefore(page.next_before);
      setFollow(false);
    }, setError);
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTER_NAMES) {
      const value = draft[name]?.trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2);
  };

  const { start, end } = visibleWindow(lines.length, scrollTop, VIEWPORT, ROW_HEIGHT);
  const download = `/api/v1/logs/download/?${new URLSearchParams(query).toString()}`;
  const field = (name: keyof LogFilters) => ({
    id: `logs-${name}`,
    value: draft[name] ?? "",
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  return (
    <section>
      <h1>Logs</h1>
      <form className="toolbar wrap" onSubmit={apply} aria-label="Log filters">
        <label htmlFor="logs-app">App</label>
        <select {...field("app")}>
          <option value="">All apps</option>
          {apps.status === "ready" &&
            apps.data.results.map((app) => (
              <option key={app.id} value={app.id}>
                {app.name} ({app.id})
              </option>
            ))}
        </select>
        <label htmlFor="logs-function">Function</label>
        <input type="text" placeholder="fu-…" size={14} {...field("function")} />
        <label htmlFor="logs-call">Call</label>
        <input type="text" placeholder="fc-…" size={14} {...field("call")} />
        <label htmlFor="logs-container">Container</label>
        <input type="text" placeholder="ta-…" size={14} {...field("container")} />
        <label htmlFor="logs-stream">Stream</label>
        <select {...field("stream")}>
          <option value="">Both</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
        <label htmlFor="logs-since">From</label>
        <input type="datetime-local" {...field("since")} />
        <label htmlFor="logs-until">To</label>
        <input type="datetime-local" {...field("until")} />
        <label htmlFor="logs-q">Search</label>
        <input type="search" placeholder="text" {...field("q")} />
        <button type="submit" className="primary">
          Apply
        </button>
      </form>
      <p className="toolbar">
        <TailStatus state={tail} />{" "}
        <button type="button" onClick={() => setPaused(!paused)}>
          {paused ? "Resume" : "Pause"}
        </button>{" "}
        <label>
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} /> Timestamps
        </label>{" "}
        <a href={download} download>
          Download
        </a>{" "}
        <span className="muted small" data-testid="log-count">
          {lines.length} lines shown
        </span>
      </p>
      {error !== null && <ErrorNotice error={error} />}
      {nextBefore && (
        <button type="button" onClick={older}>
          Load older lines
        </button>
      )}
      <div
        ref={box}
        className="log-view"
        role="log"
        aria-label="Log lines"
        style={{ height: VIEWPORT, overflowY: "auto", fontFamily: "monospace", fontSize: 13 }}
        onScroll={onScroll}
      >
        <div style={{ height: lines.length * ROW_HEIGHT, position: "relative" }}>
          {lines.slice(start, end).map((line, i) => (
            <div
              key={line.id}
              className={line.stream === "stderr" ? "log-line stderr" : "log-line"}
              style={{
                position: "absolute",
                top: (start + i) * ROW_HEIGHT,
                height: ROW_HEIGHT,
                whiteSpace: "pre",
                left: 0,
                right: 0,
              }}
              title={`${line.app}${line.function ? "." + line.function : ""} ${line.container_id ?? ""} ${line.call_id ?? ""}`}
            >
              {timestamps && <span className="muted">{new Date(line.created_at).toISOString().slice(0, 23)} </span>}
              <span className="muted">[{line.function || line.app}]</span> {line.text}
            </div>
          ))}
        </div>
      </div>
      {lines.length === 0 && error === null && <p className="muted">No log lines match.</p>}
    </section>
  );
}

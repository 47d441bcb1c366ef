import { useState } from "react";

import { api, type Func } from "../../api/client";
import { useResource } from "../../api/useResource";
import { ErrorNotice } from "../../components/Notice";
import { formatDateTime } from "../../lib/format";

/** "every 1 h 30 min", "cron 0 6 * * * (America/New_York)". */
export function describeSchedule(schedule: unknown): string {
  if (typeof schedule !== "object" || schedule === null) return "—";
  const spec = schedule as { period?: Record<string, number>; cron?: string; timezone?: string };
  if (spec.cron) return `cron ${spec.cron} (${spec.timezone ?? "UTC"})`;
  if (spec.period) {
    const parts = Object.entries(spec.period)
      .filter(([, n]) => n)
      .map(([unit, n]) => `${n} ${unit}`);
    return `every ${parts.join(" ") || "0 seconds"}`;
  }
  return "—";
}

/** The live version's scheduled functions: their last and next runs, and run now. */
export function SchedulesSection({ appId }: { appId: string }) {
  const [reloads, setReloads] = useState(0);
  const [started, setStarted] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const schedules = useResource(
    () => api.get("/api/v1/apps/{id}/schedules/", { path: { id: appId } }),
    [appId, reloads],
  );

  if (schedules.status !== "ready" || schedules.data.length === 0) {
    return schedules.status === "error" ? <ErrorNotice error={schedules.error} /> : null;
  }
  const runNow = (fn: Func) => {
    setError(null);
    api.post("/api/v1/functions/{id}/run-now/", { path: { id: fn.id } }).then(
      (call) => {
        setStarted((current) => ({ ...current, [fn.id]: call.id }));
        setReloads((n) => n + 1);
      },
      (e: unknown) => setError(e),
    );
  };
  return (
    <section>
      <h2>Schedules</h2>
      {error !== null && <ErrorNotice error={error} />}
      <table className="table" aria-label="Schedules">
        <thead>
          <tr>
            <th>Function</th>
            <th>Schedule</th>
            <th>Last run</th>
            <th>Next run</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {schedules.data.map((fn) => (
            <tr key={fn.id} data-testid="schedule-row">
              <td className="strong">{fn.name}</td>
              <td>{describeSchedule(fn.schedule)}</td>
              <td>{formatDateTime(fn.last_run_at)}</td>
              <td>{formatDateTime(fn.next_run_at)}</td>
              <td>
                <button type="button" onClick={() => runNow(fn)}>
                  Run now
                </button>
                {started[fn.id] && (
                  <span className="muted small" data-testid="run-now-call">
                    {" "}
                    started {started[fn.id]}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

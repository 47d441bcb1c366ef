import type { CallReport } from "../../api/client";
import { InputStatusBadge } from "../../components/Badge";
import { formatDateTime } from "../../lib/format";
import { attemptsWorthShowing, describeOutcome } from "../../lib/attempts";

/** Each input that took more than one attempt, or whose attempt did not succeed: its attempts in
 * order, with how each ended, why, in which container, and its remote traceback. */
export function AttemptsSection({ report }: { report: CallReport }) {
  const shown = attemptsWorthShowing(report.inputs);
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      {shown.map((input) => (
        <div key={input.id} data-testid="input-attempts" data-input-id={input.id}>
          <h3 className="small">Input {input.idx}</h3>
          <ol className="attempts" aria-label={`Attempts of input ${input.idx}`}>
            {input.attempt_history.map((attempt) => (
              <li key={`${attempt.attempt}-${attempt.ended_at ?? "now"}`} data-testid="attempt">
                <p>
                  <strong>Attempt {attempt.attempt}</strong> <InputStatusBadge status={attempt.outcome} />{" "}
                  {describeOutcome(attempt.outcome, attempt.cause)}
                  {attempt.message && (
                    <>
                      : <span data-testid="attempt-message">{attempt.message}</span>
                    </>
                  )}
                </p>
                <p className="muted small">
                  container <code>{attempt.task_id || "—"}</code>
                  {attempt.started_at && <> · started {formatDateTime(attempt.started_at)}</>}
                  {attempt.ended_at && <> · ended {formatDateTime(attempt.ended_at)}</>}
                </p>
                {attempt.traceback && (
                  <details>
                    <summary>Traceback of attempt {attempt.attempt}</summary>
                    <pre className="traceback" data-testid="attempt-traceback">
                      {attempt.traceback}
                    </pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

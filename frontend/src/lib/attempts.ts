/** The call page's attempt history: which inputs to show, and what each way of ending means. */

export interface AttemptLike {
  outcome: string;
}

export interface InputWithAttempts<A extends AttemptLike = AttemptLike> {
  attempt_history: A[];
}

/** Inputs with more than one attempt, or whose only attempt did not succeed (a success at the first
 * try, or an input still waiting for its first, has no history worth a line). */
export function attemptsWorthShowing<I extends InputWithAttempts>(inputs: I[]): I[] {
  return inputs.filter(
    (input) =>
      input.attempt_history.length > 1 ||
      input.attempt_history.some((a) => a.outcome !== "succeeded" && a.outcome !== "running"),
  );
}

const OUTCOMES: Record<string, string> = {
  failed: "the function raised",
  timed_out: "it ran past its timeout",
  crashed: "its container died under it",
  preempted: "the platform took its container away",
  succeeded: "it returned",
  running: "running now",
  cancelled: "the call was cancelled",
  terminated: "it was terminated",
};

/** How an attempt ended, in words, with its cause where that says more. */
export function describeOutcome(outcome: string, cause: string): string {
  const words = OUTCOMES[outcome] ?? outcome;
  return cause && !["exception", outcome].includes(cause) ? `${words} (${cause})` : words;
}

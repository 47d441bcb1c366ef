import { describe, expect, it } from "vitest";

import { attemptsWorthShowing, describeOutcome } from "./attempts";

describe("attemptsWorthShowing", () => {
  it("keeps inputs that took several attempts or did not succeed", () => {
    const once = { id: "a", attempt_history: [{ outcome: "succeeded" }] };
    const retried = { id: "b", attempt_history: [{ outcome: "failed" }, { outcome: "succeeded" }] };
    const failed = { id: "c", attempt_history: [{ outcome: "crashed" }] };
    const waiting = { id: "d", attempt_history: [] };
    const running = { id: "e", attempt_history: [{ outcome: "running" }] };
    expect(attemptsWorthShowing([once, retried, failed, waiting, running]).map((i) => i.id)).toEqual(["b", "c"]);
  });
});

describe("describeOutcome", () => {
  it("says how it ended, with a cause that adds something", () => {
    expect(describeOutcome("crashed", "container_crash")).toBe("its container died under it (container_crash)");
    expect(describeOutcome("preempted", "scaled_down")).toBe("the platform took its container away (scaled_down)");
    expect(describeOutcome("timed_out", "timed_out")).toBe("it ran past its timeout");
    expect(describeOutcome("failed", "")).toBe("the function raised");
    expect(describeOutcome("mystery", "")).toBe("mystery");
  });
});

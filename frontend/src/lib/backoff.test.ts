import { describe, expect, it } from "vitest";

import { FIRST_DELAY_MS, MAX_DELAY_MS, reconnectDelay, socketUrl } from "./backoff";

describe("reconnectDelay", () => {
  const middle = () => 0.5; // no jitter

  it("doubles from the first delay up to the cap", () => {
    expect([0, 1, 2, 3].map((n) => reconnectDelay(n, middle))).toEqual([
      FIRST_DELAY_MS,
      FIRST_DELAY_MS * 2,
      FIRST_DELAY_MS * 4,
      FIRST_DELAY_MS * 8,
    ]);
    expect(reconnectDelay(50, middle)).toBe(MAX_DELAY_MS);
  });

  it("jitters by at most a quarter", () => {
    expect(reconnectDelay(3, () => 0)).toBe(FIRST_DELAY_MS * 8 * 0.75);
    expect(reconnectDelay(3, () => 1)).toBe(FIRST_DELAY_MS * 8 * 1.25);
  });
});

describe("socketUrl", () => {
  it("follows the page's scheme and host", () => {
    expect(socketUrl("/ws/apps/ap-1/", { protocol: "http:", host: "127.0.0.1:8000" })).toBe(
      "ws://127.0.0.1:8000/ws/apps/ap-1/",
    );
    expect(socketUrl("/ws/apps/ap-1/", { protocol: "https:", host: "sky.example" })).toBe(
      "wss://sky.example/ws/apps/ap-1/",
    );
  });
});

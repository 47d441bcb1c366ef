import { describe, expect, it } from "vitest";

import { canManageTokens, curlExample, tokenHeaders } from "./proxyTokens";

describe("canManageTokens", () => {
  it.each([
    ["owner", true],
    ["admin", true],
    ["member", false],
    [undefined, false],
  ])("answers %s with %s", (role, allowed) => {
    expect(canManageTokens(role)).toBe(allowed);
  });
});

describe("tokenHeaders", () => {
  it("gives the key and secret headers, one a line", () => {
    expect(tokenHeaders("wk-abc", "ws-xyz")).toBe("Skylift-Key: wk-abc\nSkylift-Secret: ws-xyz");
  });
});

describe("curlExample", () => {
  it("sends both headers", () => {
    expect(curlExample("wk-a", "ws-b")).toContain('-H "Skylift-Key: wk-a" -H "Skylift-Secret: ws-b"');
  });
});

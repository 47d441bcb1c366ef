import { describe, expect, it } from "vitest";

import { base64ByteLength, matchesSearch, nextAfter, pickledLabel, shownValue, stateSnippet } from "./state";

describe("base64ByteLength", () => {
  it.each([
    ["", 0],
    ["YQ==", 1],
    ["YWI=", 2],
    ["YWJj", 3],
    ["gASVCAAAAAAAAACMBGtleZQu", 18],
  ])("%s is %i bytes", (b64, bytes) => {
    expect(base64ByteLength(b64)).toBe(bytes);
  });

  it("agrees with decoding", () => {
    for (let n = 0; n < 40; n++) {
      const b64 = btoa("x".repeat(n));
      expect(base64ByteLength(b64)).toBe(n);
    }
  });
});

describe("shownValue", () => {
  it("shows the preview when there is one", () => {
    expect(shownValue('{"a": 1}', "AAAA")).toEqual({ kind: "text", text: '{"a": 1}' });
  });

  it("shows the pickle's size otherwise, never its bytes", () => {
    expect(shownValue("", "YWJj")).toEqual({ kind: "pickled", bytes: 3 });
    expect(shownValue("", null)).toEqual({ kind: "pickled", bytes: null });
  });
});

describe("pickledLabel", () => {
  it("says how big", () => {
    expect(pickledLabel(1234)).toBe("pickled value, 1,234 bytes");
    expect(pickledLabel(1, "key")).toBe("pickled key, 1 byte");
    expect(pickledLabel(null)).toBe("pickled value");
  });
});

describe("stateSnippet", () => {
  it("names the environment only when it is not main", () => {
    expect(stateSnippet("Dict", "cache", "main")).toBe('skylift.Dict.from_name("cache")');
    expect(stateSnippet("Queue", "jobs", "dev")).toBe('skylift.Queue.from_name("jobs", environment_name="dev")');
  });

  it("quotes names as Python strings", () => {
    expect(stateSnippet("Dict", 'a"b', null)).toBe('skylift.Dict.from_name("a\\"b")');
  });
});

describe("matchesSearch", () => {
  it("finds names by any part, in any case; ephemeral ones by id", () => {
    expect(matchesSearch({ id: "di-1", name: "Model-Cache" }, " cache ")).toBe(true);
    expect(matchesSearch({ id: "di-1", name: "jobs" }, "cache")).toBe(false);
    expect(matchesSearch({ id: "di-abc", name: null }, "ABC")).toBe(true);
    expect(matchesSearch({ id: "di-1", name: "x" }, "")).toBe(true);
  });
});

describe("nextAfter", () => {
  it("is the last id of a full page, null after a short one", () => {
    expect(nextAfter([{ id: 3 }, { id: 9 }], 2)).toBe(9);
    expect(nextAfter([{ id: 3 }], 2)).toBeNull();
    expect(nextAfter([], 0)).toBeNull();
  });
});

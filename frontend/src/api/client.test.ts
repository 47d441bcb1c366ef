import { describe, expect, it } from "vitest";

import { ApiError, buildUrl, errorFromBody, errorMessage, readCookie } from "./client";

describe("errorFromBody", () => {
  it("reads the API's error shape", () => {
    const body = { error: { code: "invalid", message: "cpu: too many", hint: "Ask for fewer.", field: "cpu" } };
    expect(errorFromBody(400, body)).toEqual({
      code: "invalid",
      message: "cpu: too many",
      hint: "Ask for fewer.",
      field: "cpu",
    });
  });

  it("leaves out empty optional parts", () => {
    expect(errorFromBody(400, { error: { code: "invalid_credentials", message: "Wrong username or password." } }))
      .toEqual({ code: "invalid_credentials", message: "Wrong username or password." });
  });

  it.each([
    ["no body", undefined],
    ["an HTML page", "<html>Bad gateway</html>"],
    ["another JSON shape", { detail: "Not found." }],
    ["an empty message", { error: { code: "x", message: "" } }],
  ])("falls back to the status for %s", (_, body) => {
    expect(errorFromBody(502, body)).toEqual({ code: "http_502", message: "The server answered with status 502." });
  });
});

describe("errorMessage", () => {
  it("shows an API error's message and explains a network failure", () => {
    expect(errorMessage(new ApiError(400, { code: "invalid", message: "Nope." }))).toBe("Nope.");
    expect(errorMessage(new TypeError("Failed to fetch"))).toBe("Could not reach the Skylift server.");
  });
});

describe("readCookie", () => {
  it("finds one cookie among several", () => {
    expect(readCookie("sessionid=abc; csrftoken=t0k%3Den; theme=dark", "csrftoken")).toBe("t0k=en");
    expect(readCookie("csrftokenx=1; a=b", "csrftoken")).toBeUndefined();
    expect(readCookie("", "csrftoken")).toBeUndefined();
  });
});

describe("buildUrl", () => {
  it("fills and escapes path parameters and drops unset query parameters", () => {
    expect(buildUrl("/api/v1/apps/{id}/", { id: "ap 1/x" })).toBe("/api/v1/apps/ap%201%2Fx/");
    expect(buildUrl("/api/v1/calls/", {}, { app: "ap-1", cursor: undefined, limit: 50 })).toBe(
      "/api/v1/calls/?app=ap-1&limit=50",
    );
  });

  it("refuses a missing path parameter", () => {
    expect(() => buildUrl("/api/v1/apps/{id}/")).toThrow("missing path parameter 'id'");
  });
});

import { describe, expect, it } from "vitest";

import { isHttpUrl, kindLabel, webEndpoints } from "./webEndpoints";

describe("webEndpoints", () => {
  it("gives a function's URL with its kind, HTTP method and proxy auth", () => {
    const fn = {
      name: "checkout",
      definition: { web: { kind: "fastapi", method: "POST", requires_proxy_auth: true } },
      web_urls: { "": "https://alpha--shop-checkout.example.net" },
    };
    expect(webEndpoints(fn)).toEqual([
      {
        method: "",
        name: "checkout",
        url: "https://alpha--shop-checkout.example.net",
        kind: "fastapi",
        httpMethod: "POST",
        requiresProxyAuth: true,
      },
    ]);
  });

  it("lists a class's web methods by name, each with its own description", () => {
    const fn = {
      name: "Greeter",
      definition: {
        methods: {
          wave: { web: { kind: "asgi" } },
          greet: { web: { kind: "fastapi", requires_proxy_auth: false } },
          plain: {},
        },
      },
      web_urls: { wave: "http://h/web/a/app/greeter-wave", greet: "http://h/web/a/app/greeter-greet" },
    };
    const endpoints = webEndpoints(fn);
    expect(endpoints.map((e) => [e.name, e.kind, e.httpMethod, e.requiresProxyAuth])).toEqual([
      ["Greeter.greet", "fastapi", "GET", false],
      ["Greeter.wave", "asgi", "", false],
    ]);
  });

  it("gives nothing for a function served over no URL", () => {
    expect(webEndpoints({ name: "f", definition: {}, web_urls: {} })).toEqual([]);
  });

  it("keeps a URL whose definition says nothing of it, of no kind", () => {
    const [endpoint] = webEndpoints({ name: "f", definition: null, web_urls: { "": "http://h/web/a/b/f" } });
    expect(endpoint).toMatchObject({ kind: "", httpMethod: "", requiresProxyAuth: false });
    expect(kindLabel(endpoint!.kind)).toBe("web");
  });
});

describe("kindLabel", () => {
  it.each([
    ["fastapi", "FastAPI endpoint"],
    ["asgi", "ASGI app"],
    ["wsgi", "WSGI app"],
    ["server", "web server"],
    ["grpc", "grpc"],
  ])("calls %s %s", (kind, label) => {
    expect(kindLabel(kind)).toBe(label);
  });
});

describe("isHttpUrl", () => {
  it.each([
    ["https://a--b-c.example.net", true],
    ["http://127.0.0.1:8000/web/a/b/c", true],
    ["javascript:alert(1)", false],
    ["", false],
  ])("answers %s with %s", (url, allowed) => {
    expect(isHttpUrl(url)).toBe(allowed);
  });
});

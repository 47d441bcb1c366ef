import { afterEach, describe, expect, it } from "vitest";

import { ApiError, createClient } from "@skylift/client";

interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that records what the client sends and answers with `status` and `body`. */
function answering(status: number, body: unknown, sent: Sent[]): typeof fetch {
  return async (input, init) => {
    sent.push({ url: String(input), init: init ?? {} });
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
}

const withDocument = (cookie: string) => Object.assign(globalThis, { document: { cookie } });

afterEach(() => {
  Reflect.deleteProperty(globalThis, "document");
});

describe("createClient", () => {
  it("sends a token as the Authorization header, and no cookies or CSRF token", async () => {
    withDocument("csrftoken=from-the-page");
    const sent: Sent[] = [];
    const client = createClient({
      baseUrl: "http://skylift.test:8000/",
      tokenId: "tk-1",
      tokenSecret: "s3cret",
      fetch: answering(201, { id: "di-1" }, sent),
    });
    const dict = await client.post("/api/v1/dicts/", { body: { name: "d" } });
    expect(dict.id).toBe("di-1");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe("http://skylift.test:8000/api/v1/dicts/");
    expect(sent[0]?.init.credentials).toBe("omit");
    expect(sent[0]?.init.headers).toEqual({
      Accept: "application/json",
      "Content-Type": "application/json",
      Authorization: "Bearer tk-1:s3cret",
    });
  });

  it("uses the page's session and sends its CSRF token on unsafe methods only", async () => {
    withDocument("sessionid=x; csrftoken=t0k");
    const sent: Sent[] = [];
    const client = createClient({ fetch: answering(200, { count: 0, results: [] }, sent) });
    await client.get("/api/v1/apps/", { query: { limit: 5 } });
    await client.delete("/api/v1/dicts/{id}/", { path: { id: "di-1" } });
    expect(sent.map((s) => [s.url, s.init.method, s.init.credentials])).toEqual([
      ["/api/v1/apps/?limit=5", "GET", "same-origin"],
      ["/api/v1/dicts/di-1/", "DELETE", "same-origin"],
    ]);
    expect(sent[0]?.init.headers).toEqual({ Accept: "application/json" });
    expect(sent[1]?.init.headers).toEqual({ Accept: "application/json", "X-CSRFToken": "t0k" });
  });

  it("throws the API's error and refuses half a token", async () => {
    const client = createClient({ fetch: answering(404, { error: { code: "not_found", message: "Not found." } }, []) });
    const error: unknown = await client.get("/api/v1/apps/{id}/", { path: { id: "ap-x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: "Not found.", detail: { code: "not_found", message: "Not found." } });
    expect(() => createClient({ tokenId: "tk-1" })).toThrow("both its id and its secret");
  });
});

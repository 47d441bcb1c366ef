/** A function's web endpoints as the app page lists them: its URLs (the API's `web_urls`) with what its definition says. */

import type { Func } from "../api/client";

export type WebKind = "fastapi" | "asgi" | "wsgi" | "server";

export type WebEndpoint = {
  /** "" for a function, a method's name for a class. */
  method: string;
  /** What the list calls it: the function's name, or `Class.method`. */
  name: string;
  url: string;
  /** The decorator's kind ("fastapi", "asgi", "wsgi", "server"), or "" when the definition does not say. */
  kind: string;
  /** A FastAPI endpoint's HTTP method ("GET" by default); "" for the other kinds. */
  httpMethod: string;
  requiresProxyAuth: boolean;
};

const KIND_LABELS: Record<WebKind, string> = {
  fastapi: "FastAPI endpoint",
  asgi: "ASGI app",
  wsgi: "WSGI app",
  server: "web server",
};

/** "FastAPI endpoint", "ASGI app", "WSGI app", "web server"; an unknown kind as itself, none as "web". */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind as WebKind] ?? (kind || "web");
}

type WebSpec = { kind?: unknown; method?: unknown; requires_proxy_auth?: unknown };

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The web description of one served part: `definition.web`, or `definition.methods[m].web`. */
function webSpec(definition: unknown, method: string): WebSpec {
  const spec = asObject(definition);
  if (method === "") return asObject(spec.web);
  return asObject(asObject(asObject(spec.methods)[method]).web);
}

/** Whether `url` may be a link's target: http(s) only, never a script. */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Each URL of `fn`, the function's own first and then its methods by name; none when it serves nothing over HTTP. */
export function webEndpoints(fn: Pick<Func, "name" | "definition" | "web_urls">): WebEndpoint[] {
  return Object.entries(fn.web_urls ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([method, url]) => {
      const web = webSpec(fn.definition, method);
      const kind = typeof web.kind === "string" ? web.kind : "";
      return {
        method,
        name: method ? `${fn.name}.${method}` : fn.name,
        url,
        kind,
        httpMethod: kind === "fastapi" ? (typeof web.method === "string" && web.method ? web.method.toUpperCase() : "GET") : "",
        requiresProxyAuth: web.requires_proxy_auth === true,
      };
    });
}

/**
 * A typed fetch client of the public API: paths, parameters, bodies and answers all come from
 * `schema.ts`, which openapi-typescript generates from the committed `schema.yml`.
 *
 * In a browser on the server's own origin it needs no options: requests carry the Django
 * session cookie, and unsafe methods send the `csrftoken` cookie as `X-CSRFToken`. Anywhere
 * else (Node, scripts) give it the server's URL and an API token, sent as
 * `Authorization: Bearer <id>:<secret>` as the Python SDK does.
 */
import { ApiError, errorFromBody } from "./errors.js";
import type { paths } from "./schema.js";
import { buildUrl, readCookie, type Query } from "./url.js";

export interface ClientOptions {
  /** The server, e.g. "http://127.0.0.1:8000"; leave it out on the server's own pages. */
  baseUrl?: string;
  /** An API token's id and secret (`skylift token new`, or the dashboard's Tokens page). */
  tokenId?: string;
  tokenSecret?: string;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

// --- Typing the client from the generated `paths` -------------------------------------------

type Method = "get" | "post" | "put" | "patch" | "delete";
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

type Json<R> = R extends { content: { "application/json": infer B } } ? B : undefined;
type Success<O> = O extends { responses: { 200: infer R } }
  ? Json<R>
  : O extends { responses: { 201: infer R } }
    ? Json<R>
    : undefined;

type PathOption<O> = O extends { parameters: { path: infer P } } ? { path: P } : { path?: never };
type QueryOption<O> = O extends { parameters: { query?: infer Q } }
  ? [Q] extends [undefined] ? { query?: never } : { query?: Q }
  : { query?: never };
type BodyOption<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? { body: B }
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? { body?: B } // a body the operation may go without
    : { body?: never };
type Options<O> = PathOption<O> & QueryOption<O> & BodyOption<O>;
type OptionsArg<O> = object extends Options<O> ? [options?: Options<O>] : [options: Options<O>];

/** One HTTP method of the API: a path of the schema, its options, its typed answer. */
export type Caller<M extends Method> = <P extends PathsWith<M>>(
  path: P,
  ...[options]: OptionsArg<Operation<P, M>>
) => Promise<Success<Operation<P, M>>>;

export interface Client {
  get: Caller<"get">;
  post: Caller<"post">;
  put: Caller<"put">;
  patch: Caller<"patch">;
  delete: Caller<"delete">;
}

interface RawOptions {
  path?: Record<string, string>;
  query?: Query;
  body?: unknown;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function browserCookies(): string {
  return typeof document === "undefined" ? "" : document.cookie;
}

/** A client of one server: `client.get("/api/v1/apps/{id}/", { path: { id } })` and so on. */
export function createClient(options: ClientOptions = {}): Client {
  const base = (options.baseUrl ?? "").replace(/\/+$/, "");
  const hasToken = Boolean(options.tokenId || options.tokenSecret);
  if (hasToken && !(options.tokenId && options.tokenSecret)) {
    throw new Error("An API token needs both its id and its secret.");
  }
  const authorization = hasToken ? `Bearer ${options.tokenId}:${options.tokenSecret}` : undefined;
  const send = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));

  async function request(method: string, template: string, raw: RawOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (raw.body !== undefined) headers["Content-Type"] = "application/json";
    if (authorization) {
      headers.Authorization = authorization;
    } else if (UNSAFE.has(method)) {
      const csrf = readCookie(browserCookies(), "csrftoken");
      if (csrf) headers["X-CSRFToken"] = csrf;
    }
    const response = await send(base + buildUrl(template, raw.path, raw.query), {
      method,
      headers,
      // A token speaks for itself; only the session needs the page's cookies.
      credentials: authorization ? "omit" : "same-origin",
      body: raw.body === undefined ? undefined : JSON.stringify(raw.body),
    });
    const text = await response.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined; // not JSON: errorFromBody says what the status was
      }
    }
    if (!response.ok) throw new ApiError(response.status, errorFromBody(response.status, body));
    return body;
  }

  function caller<M extends Method>(name: M): Caller<M> {
    // Typed where it is called (a concrete path); inside, a path and options are plain values.
    const call = (path: string, raw?: RawOptions) => request(name.toUpperCase(), path, raw);
    return call as unknown as Caller<M>;
  }

  return {
    get: caller("get"),
    post: caller("post"),
    put: caller("put"),
    patch: caller("patch"),
    delete: caller("delete"),
  };
}

/**
 * A client configured as the Python SDK is from the environment: SKYLIFT_SERVER_URL,
 * SKYLIFT_TOKEN_ID and SKYLIFT_TOKEN_SECRET (pass `process.env` in Node).
 */
export function clientFromEnv(env: Record<string, string | undefined>, options: ClientOptions = {}): Client {
  const baseUrl = env.SKYLIFT_SERVER_URL;
  const tokenId = env.SKYLIFT_TOKEN_ID;
  const tokenSecret = env.SKYLIFT_TOKEN_SECRET;
  if (!baseUrl || !tokenId || !tokenSecret) {
    throw new Error(
      "Set SKYLIFT_SERVER_URL, SKYLIFT_TOKEN_ID and SKYLIFT_TOKEN_SECRET (get a token with `skylift token new`).",
    );
  }
  return createClient({ ...options, baseUrl, tokenId, tokenSecret });
}

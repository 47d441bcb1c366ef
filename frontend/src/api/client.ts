/**
 * A tiny typed fetch wrapper over the public API.
 *
 * Paths, parameters, bodies and responses come from `schema.d.ts`, which openapi-typescript
 * generates from the committed `schema.yml` (tests fail when it drifts). Requests carry the
 * Django session cookie; unsafe methods also send the `csrftoken` cookie as `X-CSRFToken`.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Session = Schemas["Session"];
export type App = Schemas["App"];
export type Func = Schemas["Function"];
export type Call = Schemas["FunctionCall"];
export type CallRow = Schemas["CallRow"];
export type CallReport = Schemas["CallReport"];
export type CallStatus = Schemas["FunctionCallStatusEnum"];
export type CallGraphResponse = Schemas["CallGraph"];
export type CallGraphInput = Schemas["CallGraphInput"];
export type Secret = Schemas["Secret"];
export type SecretEvent = Schemas["SecretEvent"];
export type ProxyTokenCreated = Schemas["ProxyTokenCreated"];
export type Member = Schemas["Member"];
export type InviteCreated = Schemas["InviteCreated"];
export type ApiTokenCreated = Schemas["ApiTokenCreated"];
export type AuditEvent = Schemas["AuditEvent"];
export type WorkspaceSettings = Schemas["WorkspaceSettings"];
/** A Dict or a Queue as listed (the two have the same fields). */
export type StateObject = Schemas["Dict"];

/** The body of every API error: `{"error": {"code", "message", "hint"?, "field"?}}`. */
export interface ErrorDetail {
  code: string;
  message: string;
  hint?: string;
  field?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: ErrorDetail;

  constructor(status: number, detail: ErrorDetail) {
    super(detail.message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The error a response carries, or a plain one when the body is not the API's error shape. */
export function errorFromBody(status: number, body: unknown): ErrorDetail {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.message === "string" && error.message !== "") {
    const detail: ErrorDetail = { code: optionalString(error.code) ?? "error", message: error.message };
    const hint = optionalString(error.hint);
    const field = optionalString(error.field);
    if (hint) detail.hint = hint;
    if (field) detail.field = field;
    return detail;
  }
  // A proxy in front of the server, or a server too broken to answer in JSON.
  return { code: `http_${status}`, message: `The server answered with status ${status}.` };
}

/** What to show a person for anything a request can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Could not reach the Skylift server.";
  return error instanceof Error ? error.message : String(error);
}

/** One cookie's value from a `document.cookie` string. */
export function readCookie(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

type Query = Record<string, string | number | boolean | undefined>;

/** Fill `{name}` placeholders of a path template and append the query parameters that are set. */
export function buildUrl(template: string, path: Record<string, string> = {}, query: Query = {}): string {
  const url = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = path[name];
    if (value === undefined) throw new Error(`missing path parameter '${name}' for ${template}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${url}?${qs}` : url;
}

// --- Typing the wrapper from the generated `paths` ------------------------------------------

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

interface RawOptions {
  path?: Record<string, string>;
  query?: Query;
  body?: unknown;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

async function request(method: string, template: string, options: RawOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) {
    const token = readCookie(document.cookie, "csrftoken");
    if (token) headers["X-CSRFToken"] = token;
  }
  const response = await fetch(buildUrl(template, options.path, options.query), {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
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

type Caller<M extends Method> = <P extends PathsWith<M>>(
  path: P,
  ...[options]: OptionsArg<Operation<P, M>>
) => Promise<Success<Operation<P, M>>>;

function method<M extends Method>(name: M): Caller<M> {
  // Typed where it is called (a concrete path); inside, a path and options are plain values.
  const call = (path: string, options?: RawOptions) => request(name.toUpperCase(), path, options);
  return call as unknown as Caller<M>;
}

/** `api.get("/api/v1/apps/{id}/", { path: { id } })` and so on, typed by the schema. */
export const api = {
  get: method("get"),
  post: method("post"),
  put: method("put"),
  patch: method("patch"),
  delete: method("delete"),
};

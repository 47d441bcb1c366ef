/** The API's errors: every 4xx answers `{"error": {"code", "message", "hint"?, "field"?}}`. */

export interface ErrorDetail {
  code: string;
  message: string;
  hint?: string;
  field?: string;
}

/** A request the server answered with an error status; `detail` is what it said. */
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
  // fetch rejects with a TypeError when nothing answers (browsers and Node alike).
  if (error instanceof TypeError) return "Could not reach the Skylift server.";
  return error instanceof Error ? error.message : String(error);
}

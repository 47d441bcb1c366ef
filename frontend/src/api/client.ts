/**
 * The dashboard's API client: the `@skylift/client` package (clients/typescript), typed by the
 * schema it generates from `schema.yml`, on the page's own origin. Requests carry the Django
 * session cookie; unsafe methods also send the `csrftoken` cookie as `X-CSRFToken`.
 */
import { createClient, type Schemas } from "@skylift/client";

export { ApiError, buildUrl, errorFromBody, errorMessage, readCookie, type ErrorDetail } from "@skylift/client";

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
export type ServiceTokenCreated = Schemas["ServiceTokenCreated"];
export type AuditEvent = Schemas["AuditEvent"];
export type WorkspaceSettings = Schemas["WorkspaceSettings"];
/** A Dict or a Queue as listed (the two have the same fields). */
export type StateObject = Schemas["Dict"];

/** `api.get("/api/v1/apps/{id}/", { path: { id } })` and so on, typed by the schema. */
export const api = createClient();

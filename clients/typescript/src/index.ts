/** @skylift/client: Skylift's public API from TypeScript, in the browser and in Node. */
export { clientFromEnv, createClient, type Caller, type Client, type ClientOptions } from "./client.js";
export { ApiError, errorFromBody, errorMessage, type ErrorDetail } from "./errors.js";
export type { components, operations, paths } from "./schema.js";
export { buildUrl, readCookie, type Query } from "./url.js";

import type { components } from "./schema.js";

/** Every schema of the API by name: `Schemas["App"]`, `Schemas["Dict"]`, ... */
export type Schemas = components["schemas"];

// The API's generated types live in the client package (clients/typescript/src/schema.ts).
export type { components, operations, paths } from "@skylift/client";

/** Proxy auth tokens: what requests to web endpoints with `requires_proxy_auth=True` carry. */

/** The roles that may create and revoke tokens (members list them). */
export function canManageTokens(role: string | undefined): boolean {
  return role === "owner" || role === "admin";
}

/** The two headers a request sends, as a client would set them. */
export function tokenHeaders(key: string, secret: string): string {
  return `Skylift-Key: ${key}\nSkylift-Secret: ${secret}`;
}

/** A curl command that calls a protected endpoint with the token. */
export function curlExample(key: string, secret: string): string {
  return `curl -H "Skylift-Key: ${key}" -H "Skylift-Secret: ${secret}" https://…`;
}

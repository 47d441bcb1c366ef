/** The team pages: who may manage, which roles one may give, what the audit log's actions mean. */
import { ApiError } from "../api/client";

export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];

/** Owners and admins manage members, invites and settings, and read the audit log. */
export function canManage(role: string | undefined): boolean {
  return role === "owner" || role === "admin";
}

/** The roles someone of `byRole` may give (or invite with): only an owner gives the owner role. */
export function grantableRoles(byRole: string | undefined): Role[] {
  if (byRole === "owner") return [...ROLES];
  if (byRole === "admin") return ["admin", "member"];
  return [];
}

/** Whether someone of `byRole` may change or remove a member of `memberRole` (the API decides; this hides what it would refuse). */
export function canChange(byRole: string | undefined, memberRole: string): boolean {
  return byRole === "owner" || (byRole === "admin" && memberRole !== "owner");
}

/** The API's message for one field of a form, when the error names it. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.detail.field === field ? error.message : undefined;
}

/** An error that names no field of the form: shown above it. */
export function formError(error: unknown, fields: readonly string[]): unknown {
  if (error instanceof ApiError && error.detail.field && fields.includes(error.detail.field)) return null;
  return error;
}

/** A settings form's number: "" is the default (null), anything else an integer the server checks. */
export function parseLimit(text: string): number | null | string {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The invite's secret from the link's fragment (`/invite#iv-….it-…`). */
export function inviteToken(hash: string): string {
  return decodeURIComponent(hash.replace(/^#/, "")).trim();
}

const ACTIONS: Record<string, string> = {
  "app.deploy": "deployed",
  "app.rollback": "rolled back",
  "app.stop": "stopped",
  "secret.create": "created secret",
  "secret.update": "changed secret",
  "secret.delete": "deleted secret",
  "token.create": "created API token",
  "token.revoke": "revoked API token",
  "service_token.create": "created service token",
  "service_token.revoke": "revoked service token",
  "proxy_token.create": "created proxy token",
  "proxy_token.revoke": "revoked proxy token",
  "proxy_token.delete": "deleted proxy token",
  "member.invite": "invited",
  "member.invite_revoke": "revoked invite",
  "member.join": "joined",
  "member.role_change": "changed role of",
  "member.remove": "removed",
  "workspace.settings_change": "changed settings of",
  "budget.set": "set budget of",
  "budget.remove": "removed budget of",
  "budget.alert": "budget alert for",
  "billing.webhook_set": "set the budget alert webhook",
  "billing.webhook_remove": "removed the budget alert webhook",
};

/** The filters of the audit page, in the order of its select. */
export const AUDIT_ACTIONS = Object.keys(ACTIONS);

export function describeAction(action: string): string {
  return ACTIONS[action] ?? action;
}

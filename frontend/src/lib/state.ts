/** Dicts and Queues in the dashboard: what a page shows of a key or a value, and how to use one.
 *
 * Keys and values are cloudpickled bytes the platform never unpickles; the SDK stores a short text
 * preview beside those that are plain text or JSON. The dashboard shows that preview, or the size
 * of the pickle, never an attempt at reading it. */

import { DEFAULT_ENVIRONMENT } from "./secrets";

export type StateKind = "Dict" | "Queue";

/** How many bytes a base64 string decodes to (without decoding it). */
export function base64ByteLength(b64: string): number {
  const clean = b64.replace(/\s+/g, "");
  if (clean === "") return 0;
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
}

/** What a page shows of a key or value: its text preview, or the size of its pickle. */
export type Shown = { kind: "text"; text: string } | { kind: "pickled"; bytes: number | null };

/** The preview when the SDK stored one; otherwise the pickle's size (null when the bytes were not fetched). */
export function shownValue(preview: string, b64: string | null | undefined): Shown {
  if (preview !== "") return { kind: "text", text: preview };
  return { kind: "pickled", bytes: b64 == null ? null : base64ByteLength(b64) };
}

/** "pickled value, 1,234 bytes". */
export function pickledLabel(bytes: number | null, what = "value"): string {
  if (bytes === null) return `pickled ${what}`;
  return `pickled ${what}, ${bytes.toLocaleString("en-US")} ${bytes === 1 ? "byte" : "bytes"}`;
}

/** The Python that opens the object by name. */
export function stateSnippet(kind: StateKind, name: string, environment: string | null): string {
  const args = [JSON.stringify(name)];
  if (environment && environment !== DEFAULT_ENVIRONMENT) args.push(`environment_name=${JSON.stringify(environment)}`);
  return `skylift.${kind}.from_name(${args.join(", ")})`;
}

/** The objects whose name contains `search` (any case); nameless (ephemeral) ones match their id. */
export function matchesSearch(object: { id: string; name: string | null }, search: string): boolean {
  const wanted = search.trim().toLowerCase();
  if (wanted === "") return true;
  return (object.name ?? object.id).toLowerCase().includes(wanted);
}

/**
 * Keyset paging (`?after=` the id of the last row seen): the `after` of the page following one
 * that came back with `rows` when `size` were asked for, or null when it was the last page.
 */
export function nextAfter(rows: { id: number }[], size: number): number | null {
  if (rows.length < size) return null;
  return rows.at(-1)?.id ?? null;
}

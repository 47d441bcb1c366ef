/** The Logs page's pure parts: its filters as a query string, and merging pages of lines by id. */

import type { components } from "../api/schema";

export type LogLine = components["schemas"]["LogLine"];

export const FILTER_NAMES = ["app", "function", "call", "container", "stream", "since", "until", "q"] as const;
export type LogFilters = Partial<Record<(typeof FILTER_NAMES)[number], string>>;

/** The filters that are set, as query parameters (datetime-local values become ISO times in UTC). */
export function filterQuery(filters: LogFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = filters[name]?.trim();
    if (!value) continue;
    if (name === "since" || name === "until") {
      const time = new Date(value);
      query[name] = Number.isNaN(time.getTime()) ? value : time.toISOString();
    } else {
      query[name] = value;
    }
  }
  return query;
}

/** `lines` with `more` added: each id once, in id order (ids are whole numbers as strings). */
export function mergeLines(lines: LogLine[], more: LogLine[], seen: Set<string>): LogLine[] {
  const fresh = more.filter((line) => !seen.has(line.id));
  if (fresh.length === 0) return lines;
  for (const line of fresh) seen.add(line.id);
  const merged = lines.concat(fresh);
  const last = Number(lines.at(-1)?.id ?? -1);
  // Live lines come after the ones shown; only an older page (or a repeat) needs sorting.
  if (fresh.every((line) => Number(line.id) > last)) {
    return fresh.length > 1 ? lines.concat(fresh.sort((a, b) => Number(a.id) - Number(b.id))) : merged;
  }
  return merged.sort((a, b) => Number(a.id) - Number(b.id));
}

/** The rows of a list of `count` rows of `rowHeight` px to render for a viewport (with overscan). */
export function visibleWindow(
  count: number,
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  overscan = 30,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { start, end };
}

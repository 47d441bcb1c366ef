/**
 * The function page's chunk (the page and its chart library), loaded apart from the main bundle.
 *
 * Once loaded, the route renders the page directly: a lazy component suspends at least once, and
 * React holds a revealed Suspense boundary back for up to 300 ms, so a page whose chunk is already
 * here would wait for nothing. Pages that link to functions load it ahead (`preloadFunctionPage`).
 */
import type { ComponentType } from "react";

let loaded: ComponentType | null = null;
let loading: Promise<{ default: ComponentType }> | null = null;

export function loadFunctionPage(): Promise<{ default: ComponentType }> {
  loading ??= import("./FunctionPage").then((module) => {
    loaded = module.default;
    return module;
  });
  return loading;
}

/** Fetch the chunk ahead of a visit (a failure is left to the visit, which retries it). */
export function preloadFunctionPage(): void {
  loadFunctionPage().catch(() => {
    loading = null;
  });
}

/** The page's component once its chunk is here, else null. */
export function loadedFunctionPage(): ComponentType | null {
  return loaded;
}

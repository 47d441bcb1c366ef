import { useSyncExternalStore } from "react";

/** Light or dark: the choice a user made with the header's toggle (kept in localStorage), else the system's. */
export type Theme = "light" | "dark";

export const THEME_KEY = "skylift.theme";

const listeners = new Set<() => void>();
const systemDark = () => typeof window !== "undefined" && window.matchMedia("(prefers-color-scheme: dark)").matches;

/** The stored choice, if the user made one (a broken or foreign value counts as none). */
export function storedTheme(): Theme | null {
  try {
    const value = window.localStorage.getItem(THEME_KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null; // storage disabled: follow the system
  }
}

/** The theme in effect: the stored choice, else the system's preference. */
export function currentTheme(): Theme {
  return storedTheme() ?? (systemDark() ? "dark" : "light");
}

/** Puts the theme in effect on <html data-theme>, where styles.css switches its variables. */
export function applyTheme(): void {
  const theme = currentTheme();
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  for (const listener of listeners) listener();
}

/** Remembers a choice and applies it. */
export function chooseTheme(theme: Theme): void {
  try {
    window.localStorage.setItem(THEME_KEY, theme);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  applyTheme();
}

/** Applies the theme now, and again whenever the system's preference changes (if no choice was stored). */
export function startTheme(): void {
  applyTheme();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", applyTheme);
}

/** The theme in effect, re-rendering on every change (charts redraw with it). */
export function useTheme(): Theme {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light"),
  );
}

/** A colour variable's value as styles.css sets it for the theme in effect (for canvas drawing). */
export function cssColor(name: string, fallback = "#888"): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

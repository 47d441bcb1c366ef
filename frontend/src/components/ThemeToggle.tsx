import { chooseTheme, useTheme } from "../lib/theme";

/** Switches between light and dark; the choice is remembered (else the system's preference is followed). */
export function ThemeToggle() {
  const theme = useTheme();
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="theme-toggle"
      aria-label={`Use the ${next} theme`}
      title={`Use the ${next} theme`}
      data-theme-now={theme}
      onClick={() => chooseTheme(next)}
    >
      <span aria-hidden="true">{theme === "dark" ? "☀" : "☾"}</span>
    </button>
  );
}

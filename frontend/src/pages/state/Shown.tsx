import { pickledLabel, shownValue } from "../../lib/state";

/** A key or value: its text preview, or "pickled value, N bytes" (the platform never unpickles). */
export function Shown({ preview, b64, what }: { preview: string; b64: string | null | undefined; what: string }) {
  const shown = shownValue(preview, b64);
  if (shown.kind === "text") return <code className="preview">{shown.text}</code>;
  return <span className="muted">{pickledLabel(shown.bytes, what)}</span>;
}

/** Previous and Next over keyset pages: `afters` is the stack of `?after=` values read so far. */
export function Pager({
  label,
  afters,
  next,
  onChange,
}: {
  label: string;
  afters: number[];
  next: number | null;
  onChange: (afters: number[]) => void;
}) {
  if (afters.length === 1 && next === null) return null;
  return (
    <nav className="pager form" aria-label={label}>
      <button type="button" disabled={afters.length === 1} onClick={() => onChange(afters.slice(0, -1))}>
        Previous
      </button>{" "}
      <span className="muted small">page {afters.length}</span>{" "}
      <button type="button" disabled={next === null} onClick={() => next !== null && onChange([...afters, next])}>
        Next
      </button>
    </nav>
  );
}

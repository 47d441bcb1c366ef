import { useState } from "react";

/** Copies `text` to the clipboard, and says whether it could. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setSaid("Copied."),
      () => setSaid("Could not copy: select it and copy it by hand."),
    );
  };
  return (
    <>
      <button type="button" className="primary" onClick={copy}>
        {label}
      </button>
      {said && (
        <span role="status" className="muted">
          {" "}
          {said}
        </span>
      )}
    </>
  );
}

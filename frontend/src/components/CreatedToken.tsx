import { CopyButton } from "./CopyButton";

/** The token just made: `id:secret`, as the SDK and the CLI take it, shown this once. */
export function CreatedToken({
  token,
  onDone,
  label = "New API token",
}: {
  token: { id: string; secret: string };
  onDone: () => void;
  label?: string;
}) {
  const value = `${token.id}:${token.secret}`;
  return (
    <div className="panel" role="region" aria-label={label}>
      <p>
        <strong>Copy the token now: it is not shown again.</strong> Only its hash is kept.
      </p>
      <p>
        <code data-testid="api-token" className="preview">
          {value}
        </code>
      </p>
      <p className="muted small">
        Use it as <code>SKYLIFT_TOKEN_ID={token.id}</code> and <code>SKYLIFT_TOKEN_SECRET=…</code>, or in an{" "}
        <code>Authorization: Bearer {token.id}:…</code> header.
      </p>
      <p className="actions">
        <CopyButton text={value} label="Copy token" />{" "}
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}

import { type FormEvent, useState } from "react";

import { api, type InviteCreated, type Member } from "../api/client";
import { useResource } from "../api/useResource";
import { ConfirmPanel } from "../components/ConfirmPanel";
import { CopyButton } from "../components/CopyButton";
import { ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { formatDateTime } from "../lib/format";
import { canChange, canManage, grantableRoles } from "../lib/team";

/** The link of the invite just made, shown this once. */
function CreatedInvite({ invite, onDone }: { invite: InviteCreated; onDone: () => void }) {
  return (
    <div className="panel" role="region" aria-label="New invite">
      <p>
        <strong>Copy the link now: it is not shown again.</strong> Whoever opens it joins as{" "}
        <strong>{invite.role}</strong>, once, before {formatDateTime(invite.expires_at)}.
        {invite.emailed && ` It was e-mailed to ${invite.email}.`}
      </p>
      <p>
        <code data-testid="invite-link" className="preview">
          {invite.link}
        </code>
      </p>
      <p className="actions">
        <CopyButton text={invite.link} label="Copy link" />{" "}
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}

/** One member's role, changed in place by whoever may. */
function RoleCell({ member, myRole, onChanged }: { member: Member; myRole: string; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!canChange(myRole, member.role)) return <>{member.role}</>;
  const change = (role: string) => {
    setBusy(true);
    setError(null);
    api.patch("/api/v1/members/{id}/", { path: { id: member.id }, body: { role: role as Member["role"] } }).then(
      () => {
        setBusy(false);
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  const roles = grantableRoles(myRole);
  return (
    <>
      <select
        aria-label={`Role of ${member.username}`}
        value={member.role}
        disabled={busy}
        onChange={(event) => change(event.target.value)}
      >
        {[...new Set([member.role, ...roles])].map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </select>
      {error !== null && <ErrorNotice error={error} />}
    </>
  );
}

/** The workspace's members and invites: invite by link, change a role, remove, revoke an invite. */
export function MembersPage() {
  const { session } = useSession();
  const myRole = session?.role ?? "member";
  const manage = canManage(myRole);
  const [version, setVersion] = useState(0);
  const members = useResource(() => api.get("/api/v1/members/", { query: { limit: 500 } }), [version]);
  const invites = useResource(
    () => (manage ? api.get("/api/v1/invites/", { query: { limit: 100 } }) : Promise.resolve(null)),
    [version, manage],
  );
  const [role, setRole] = useState("member");
  const [email, setEmail] = useState("");
  const [days, setDays] = useState("7");
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => setVersion((v) => v + 1);

  const invite = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    api
      .post("/api/v1/invites/", {
        body: { role: role as Member["role"], email: email.trim(), expires_in_days: Number(days) },
      })
      .then(
        (made) => {
          setCreated(made);
          setEmail("");
          refresh();
        },
        (e: unknown) => setError(e),
      );
  };

  return (
    <section>
      <h1>Members</h1>
      {created && <CreatedInvite invite={created} onDone={() => setCreated(null)} />}
      {manage ? (
        <form className="toolbar" onSubmit={invite} aria-label="Invite form">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(event) => setRole(event.target.value)}>
            {grantableRoles(myRole).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <label htmlFor="invite-email">E-mail (optional)</label>
          <input
            id="invite-email"
            type="email"
            value={email}
            placeholder="someone@example.com"
            onChange={(event) => setEmail(event.target.value)}
          />
          <label htmlFor="invite-days">Valid for (days)</label>
          <input
            id="invite-days"
            type="number"
            min={1}
            max={30}
            value={days}
            onChange={(event) => setDays(event.target.value)}
          />
          <button type="submit" className="primary">
            Create invite link
          </button>
        </form>
      ) : (
        <p className="muted small">Owners and admins of the workspace invite, change roles and remove members.</p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {done && (
        <p role="status" className="saved">
          {done}
        </p>
      )}
      {removing && (
        <ConfirmPanel
          label="Remove member"
          confirm={`Remove ${removing.username}`}
          action={() => api.delete("/api/v1/members/{id}/", { path: { id: removing.id } })}
          onCancel={() => setRemoving(null)}
          onDone={() => {
            setDone(`Removed ${removing.username}; their API tokens of this workspace are revoked.`);
            setRemoving(null);
            refresh();
          }}
        >
          <p>
            Remove <strong>{removing.username}</strong> from the workspace? Their API tokens of it stop working at
            once.
          </p>
        </ConfirmPanel>
      )}
      {members.status === "loading" && <p className="muted">Loading…</p>}
      {members.status === "error" && <ErrorNotice error={members.error} />}
      {members.status === "ready" && (
        <table className="table" aria-label="Members">
          <thead>
            <tr>
              <th>User</th>
              <th>E-mail</th>
              <th>Role</th>
              <th>Joined</th>
              {manage && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {members.data.results.map((member) => (
              <tr key={member.id} data-testid="member">
                <td>
                  {member.username}
                  {member.username === session?.user.username && <span className="muted"> (you)</span>}
                </td>
                <td>{member.email || "—"}</td>
                <td>
                  <RoleCell member={member} myRole={myRole} onChanged={refresh} />
                </td>
                <td>{formatDateTime(member.joined_at)}</td>
                {manage && (
                  <td>
                    {canChange(myRole, member.role) && (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Remove ${member.username}`}
                        onClick={() => (setDone(null), setRemoving(member))}
                      >
                        Remove…
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && invites.status === "ready" && invites.data && invites.data.results.length > 0 && (
        <>
          <h2>Invites</h2>
          <table className="table" aria-label="Invites">
            <thead>
              <tr>
                <th>Invite</th>
                <th>Role</th>
                <th>E-mail</th>
                <th>By</th>
                <th>Expires</th>
                <th>State</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {invites.data.results.map((inv) => (
                <tr key={inv.id} data-testid="invite">
                  <td>
                    <code>{inv.id}</code>
                  </td>
                  <td>{inv.role}</td>
                  <td>{inv.email || "—"}</td>
                  <td>{inv.created_by ?? "—"}</td>
                  <td>{formatDateTime(inv.expires_at)}</td>
                  <td>{inv.state === "accepted" ? `accepted by ${inv.accepted_by ?? "?"}` : inv.state}</td>
                  <td>
                    {inv.state === "pending" && (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${inv.id}`}
                        onClick={() =>
                          api.delete("/api/v1/invites/{id}/", { path: { id: inv.id } }).then(refresh, setError)
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {invites.status === "error" && <ErrorNotice error={invites.error} />}
    </section>
  );
}

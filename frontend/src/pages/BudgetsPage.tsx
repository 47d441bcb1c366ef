import { type FormEvent, useCallback, useState } from "react";

import { api, ApiError } from "../api/client";
import { useResource } from "../api/useResource";
import { Empty, ErrorNotice } from "../components/Notice";
import { useSession } from "../components/session";
import { type Budget, budgetName, budgetsChanged, money } from "../lib/billing";

const MANAGERS = ["owner", "admin"];

/** The workspace's monthly budget and its apps' daily or monthly caps; owners and admins change them. */
export function BudgetsPage() {
  const { session } = useSession();
  const manager = MANAGERS.includes(session?.role ?? "");
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const budgets = useResource(() => api.get("/api/v1/budgets/", { query: { limit: 500 } }), [reloads]);

  return (
    <section>
      <h1>Budgets</h1>
      <p className="muted">
        At a cap no new container of the app (or of the workspace) starts; alerts at 50, 80 and 100 % go to the
        audit log, the banner and the webhook.{" "}
        {manager ? "" : `Owners and admins set them; your role in ${session?.workspace.name} is ${session?.role}.`}
      </p>
      {budgets.status === "loading" && <p className="muted">Loading…</p>}
      {budgets.status === "error" && <ErrorNotice error={budgets.error} />}
      {budgets.status === "ready" && <BudgetTable budgets={budgets.data.results} manager={manager} onChanged={reload} />}
      {/* The forms stay while the list reloads: their notes ("Saved.") outlive it. */}
      {manager && (
        <>
          <WorkspaceBudgetForm
            current={budgets.status === "ready" ? budgets.data.results.find((b) => !b.app_id) : undefined}
            onSaved={reload}
          />
          <AppCapForm onSaved={reload} />
          <WebhookSection />
        </>
      )}
    </section>
  );
}

function BudgetTable({ budgets, manager, onChanged }: { budgets: Budget[]; manager: boolean; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  if (budgets.length === 0) return <Empty>No budget: nothing stops spending.</Empty>;
  const remove = (budget: Budget) => {
    setError(null);
    api.delete("/api/v1/budgets/{id}/", { path: { id: budget.id } }).then(
      () => {
        budgetsChanged();
        onChanged();
      },
      (e: unknown) => setError(e),
    );
  };
  return (
    <>
      <table aria-label="Budgets">
        <thead>
          <tr>
            <th scope="col">Budget</th>
            <th scope="col">Cap</th>
            <th scope="col">Spent this period</th>
            <th scope="col">Alert</th>
            {manager && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {budgets.map((budget) => (
            <tr key={budget.id}>
              <td>{budgetName(budget)}</td>
              <td>
                {money(budget.limit_usd)} a {budget.period}
              </td>
              <td>{money(budget.spend_usd)}</td>
              <td>{budget.reached ? "reached: no new container starts" : budget.threshold ? `${budget.threshold} %` : "—"}</td>
              {manager && (
                <td>
                  <button type="button" onClick={() => remove(budget)} aria-label={`Remove ${budgetName(budget)}`}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {error !== null && <ErrorNotice error={error} />}
    </>
  );
}

function useSave(onSaved: () => void) {
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const save = (body: { app_id?: string | null; limit_usd: number; period: "day" | "month" }) => {
    setError(null);
    setNote(null);
    if (!Number.isFinite(body.limit_usd)) {
      setError(new Error("Give the cap in US dollars, 0 or more."));
      return;
    }
    api.post("/api/v1/budgets/", { body }).then(
      (budget) => {
        setNote(budget.reached ? `${budgetName(budget)} is already reached: no new container starts.` : "Saved.");
        budgetsChanged();
        onSaved();
      },
      (e: unknown) => setError(e),
    );
  };
  return { error, note, save };
}

function WorkspaceBudgetForm({ current, onSaved }: { current?: Budget; onSaved: () => void }) {
  const [amount, setAmount] = useState<string | null>(null);
  const { error, note, save } = useSave(onSaved);
  const shown = amount ?? (current ? String(current.limit_usd) : "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save({ app_id: null, limit_usd: shown.trim() === "" ? Number.NaN : Number(shown), period: "month" });
  };
  return (
    <form className="panel form" onSubmit={submit} aria-label="Workspace budget" noValidate>
      <h2>Workspace budget</h2>
      <div className="field">
        <label htmlFor="workspace-budget">Monthly budget (US dollars)</label>
        <input id="workspace-budget" type="text" inputMode="decimal" value={shown} onChange={(e) => setAmount(e.target.value)} />
      </div>
      {error !== null && <ErrorNotice error={error} />}
      {note && (
        <p role="status" className="saved">
          {note}
        </p>
      )}
      <p className="actions">
        <button type="submit" className="primary">
          Save workspace budget
        </button>
      </p>
    </form>
  );
}

function AppCapForm({ onSaved }: { onSaved: () => void }) {
  const apps = useResource(() => api.get("/api/v1/apps/", { query: { state: "deployed", limit: 500 } }), []);
  const [appId, setAppId] = useState("");
  const [period, setPeriod] = useState<"day" | "month">("day");
  const [amount, setAmount] = useState("");
  const { error, note, save } = useSave(onSaved);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save({ app_id: appId, limit_usd: amount.trim() === "" ? Number.NaN : Number(amount), period });
  };
  if (apps.status !== "ready") return apps.status === "error" ? <ErrorNotice error={apps.error} /> : null;
  return (
    <form className="panel form" onSubmit={submit} aria-label="App cap" noValidate>
      <h2>App cap</h2>
      <div className="field">
        <label htmlFor="cap-app">App</label>
        <select id="cap-app" value={appId} onChange={(e) => setAppId(e.target.value)}>
          <option value="">Choose a deployed app</option>
          {apps.data.results.map((app) => (
            <option key={app.id} value={app.id}>
              {app.name} ({app.environment})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="cap-period">Per</label>
        <select id="cap-period" value={period} onChange={(e) => setPeriod(e.target.value as "day" | "month")}>
          <option value="day">day</option>
          <option value="month">month</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="cap-amount">Cap (US dollars)</label>
        <input id="cap-amount" type="text" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      {error !== null && <ErrorNotice error={error} />}
      {note && (
        <p role="status" className="saved">
          {note}
        </p>
      )}
      <p className="actions">
        <button type="submit" className="primary" disabled={!appId}>
          Save app cap
        </button>
      </p>
    </form>
  );
}

/** Where budget alerts are posted, signed with the secret shown here (owners and admins only). */
function WebhookSection() {
  const [reloads, setReloads] = useState(0);
  const webhook = useResource(
    () =>
      api.get("/api/v1/budget-webhook/").catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [reloads],
  );
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const send = (rotate: boolean) => {
    setError(null);
    const target = url ?? (webhook.status === "ready" ? (webhook.data?.url ?? "") : "");
    api.put("/api/v1/budget-webhook/", { body: { url: target.trim(), rotate_secret: rotate } }).then(
      () => setReloads((n) => n + 1),
      (e: unknown) => setError(e),
    );
  };
  const remove = () => {
    setError(null);
    api.delete("/api/v1/budget-webhook/").then(
      () => {
        setUrl("");
        setReloads((n) => n + 1);
      },
      (e: unknown) => setError(e),
    );
  };
  if (webhook.status === "loading") return null;
  if (webhook.status === "error") return <ErrorNotice error={webhook.error} />;
  const current = webhook.data;
  return (
    <form
      className="panel form"
      aria-label="Alert webhook"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send(false);
      }}
    >
      <h2>Alert webhook</h2>
      <p className="muted small">
        Each alert is posted once as JSON, signed: <code>X-Skylift-Signature: sha256=</code>HMAC-SHA256 of{" "}
        <code>&lt;X-Skylift-Timestamp&gt;.&lt;body&gt;</code> under the secret.
      </p>
      <div className="field">
        <label htmlFor="webhook-url">URL</label>
        <input id="webhook-url" type="url" value={url ?? current?.url ?? ""} onChange={(e) => setUrl(e.target.value)} />
      </div>
      {current && (
        <p>
          Signing secret: <code data-testid="webhook-secret">{current.secret}</code>
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
      <p className="actions">
        <button type="submit" className="primary">
          Save webhook
        </button>{" "}
        {current && (
          <>
            <button type="button" onClick={() => send(true)}>
              New secret
            </button>{" "}
            <button type="button" onClick={remove}>
              Remove webhook
            </button>
          </>
        )}
      </p>
    </form>
  );
}

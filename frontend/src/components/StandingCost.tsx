import { capTexts, idleText, money, type StandingCost } from "../lib/billing";

/** What an app (or the version a rollback would run) costs while idle, and what its caps allow. */
export function StandingCostFacts({ cost, label }: { cost: StandingCost; label: string }) {
  const warm = cost.functions.reduce((n, f) => n + f.idle_containers, 0);
  const exceeded = cost.caps.some((cap) => cap.exceeded);
  return (
    <div className="standing-cost" role="group" aria-label={label}>
      <p>
        <span className="strong">{label}: </span>
        <span data-testid="idle-cost">{idleText(cost)}</span>{" "}
        <span className="muted small">
          ({warm} container{warm === 1 ? "" : "s"} kept warm by min_containers
          {cost.buffer_per_hour > 0 && `; ${money(cost.buffer_per_hour)} an hour more while serving`})
        </span>
      </p>
      {cost.caps.length > 0 && (
        <ul className={exceeded ? "caps error" : "caps"}>
          {capTexts(cost).map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

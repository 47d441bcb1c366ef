import { useEffect, useState } from "react";
import { Link, useLocation } from "react-router";

import { api } from "../api/client";
import { alarming, bannerText, type Budget, BUDGETS_CHANGED } from "../lib/billing";

/**
 * A banner over every page while a budget of the workspace is at 80 % or more of its cap this
 * period (at 100 % no new container starts). Read again on each page change and when a page changed
 * the budgets; quiet if it cannot load.
 */
export function BudgetBanner() {
  const { pathname } = useLocation();
  const [budgets, setBudgets] = useState<Budget[]>([]);
  const [changes, setChanges] = useState(0);

  useEffect(() => {
    const changed = () => setChanges((n) => n + 1);
    window.addEventListener(BUDGETS_CHANGED, changed);
    return () => window.removeEventListener(BUDGETS_CHANGED, changed);
  }, []);

  useEffect(() => {
    let current = true;
    api.get("/api/v1/budgets/", { query: { limit: 100 } }).then(
      (page) => current && setBudgets(alarming(page.results)),
      () => current && setBudgets([]),
    );
    return () => {
      current = false;
    };
  }, [pathname, changes]);

  if (budgets.length === 0) return null;
  const reached = budgets.some((b) => b.reached);
  return (
    <div role="alert" aria-label="Budget alert" className={reached ? "budget-banner reached" : "budget-banner"}>
      {budgets.map((budget) => (
        <p key={budget.id}>{bannerText(budget)}</p>
      ))}
      <p className="small">
        <Link to="/budgets">Budgets</Link> · <Link to="/usage">Usage</Link>
      </p>
    </div>
  );
}

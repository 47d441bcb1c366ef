import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router";

import { errorMessage } from "../api/client";
import { BudgetBanner } from "./BudgetBanner";
import { NAV_SECTIONS } from "./navigation";
import { useSession } from "./session";
import { ThemeToggle } from "./ThemeToggle";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";

/**
 * The shell around every signed-in page: a skip link, then the header (brand, workspace, the grouped
 * navigation, user, theme, sign-out) as a side column; on a narrow screen the header is a top bar whose
 * menu button opens the navigation (Escape closes it and gives focus back to the button).
 */
export function Layout() {
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  // A followed link closes the menu.
  useEffect(() => setMenuOpen(false), [location.pathname, location.search]);

  // Opening the menu puts focus on its first link.
  useEffect(() => {
    if (menuOpen) panel.current?.querySelector<HTMLElement>("a, select, button")?.focus();
  }, [menuOpen]);

  const onSignOut = () => {
    setError(null);
    signOut().then(
      () => navigate("/login", { replace: true }),
      (e: unknown) => setError(errorMessage(e)),
    );
  };

  const onPanelKey = (event: KeyboardEvent) => {
    if (event.key === "Escape" && menuOpen) {
      setMenuOpen(false);
      menuButton.current?.focus();
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="sidebar" onKeyDown={onPanelKey}>
        <div className="sidebar-top">
          <Link to="/" className="brand">
            Skylift
          </Link>
          <ThemeToggle />
          <button
            ref={menuButton}
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="nav-panel"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {menuOpen ? "Close" : "Menu"}
          </button>
        </div>
        <div id="nav-panel" ref={panel} className={menuOpen ? "nav-panel open" : "nav-panel"}>
          <WorkspaceSwitcher onError={setError} />
          <nav className="sidenav" aria-label="Main">
            {NAV_SECTIONS.map((section) => (
              <div key={section.title} className="nav-section">
                {/* A visible title, read before its list; not a label (the workspace switcher is "Workspace"). */}
                {section.title !== "Apps" && <p className="nav-title">{section.title}</p>}
                <ul>
                  {section.links.map((link) => (
                    <li key={link.to}>
                      <NavLink to={link.to} end={link.to === "/"}>
                        {link.label}
                      </NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </nav>
          <div className="sidebar-foot">
            <span className="user" data-testid="user">
              {session?.user.username}
              <span className="muted"> · {session?.role}</span>
            </span>
            <a href="/api/docs/">API docs</a>
            <button type="button" className="link-button" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <div className="main-column">
        {error && (
          <p role="alert" className="error banner">
            {error}
          </p>
        )}
        <BudgetBanner key={session?.workspace.id} />
        <main id="content" className="content" tabIndex={-1} aria-label="Page">
          {/* Keyed by workspace: a switch loads every page afresh. */}
          <Outlet key={session?.workspace.id} />
        </main>
      </div>
    </div>
  );
}

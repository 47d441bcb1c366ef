import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";

import { Layout } from "./components/Layout";
import { RequireSession, SessionProvider } from "./components/session";
import { AppPage } from "./pages/AppPage";
import { AppsPage } from "./pages/AppsPage";
import { AuditPage } from "./pages/AuditPage";
import { BudgetsPage } from "./pages/BudgetsPage";
import { BuildsPage } from "./pages/BuildsPage";
import { CallPage } from "./pages/CallPage";
import { ContainersPage } from "./pages/ContainersPage";
import { DictPage } from "./pages/DictPage";
import { DictsPage } from "./pages/DictsPage";
import { InvitePage } from "./pages/InvitePage";
import { LoginPage } from "./pages/LoginPage";
import { LogsPage } from "./pages/LogsPage";
import { MembersPage } from "./pages/MembersPage";
import { NewSecretPage } from "./pages/NewSecretPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ProxyTokensPage } from "./pages/ProxyTokensPage";
import { QueuePage } from "./pages/QueuePage";
import { QueuesPage } from "./pages/QueuesPage";
import { SandboxesPage } from "./pages/SandboxesPage";
import { SandboxPage } from "./pages/SandboxPage";
import { SecretPage } from "./pages/SecretPage";
import { SecretsPage } from "./pages/SecretsPage";
import { SettingsPage } from "./pages/SettingsPage";
import { TokensPage } from "./pages/TokensPage";
import { VolumePage } from "./pages/VolumePage";
import { loadedFunctionPage, loadFunctionPage, preloadFunctionPage } from "./pages/functionPageLoader";
import { VolumesPage } from "./pages/VolumesPage";

// The function page carries the chart library: loaded when it is first needed, and fetched at once
// (beside the session check) when the dashboard is opened on a function's URL.
if (typeof window !== "undefined" && window.location.pathname.startsWith("/functions/")) preloadFunctionPage();
const LazyFunctionPage = lazy(loadFunctionPage);
// The Usage page draws charts too: its chunk (with uPlot) is loaded when it is visited.
const LazyUsagePage = lazy(() => import("./pages/UsagePage"));

function FunctionRoute() {
  const Loaded = loadedFunctionPage();
  if (Loaded) return <Loaded />;
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <LazyFunctionPage />
    </Suspense>
  );
}

export function Dashboard() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/invite" element={<InvitePage />} />
          <Route
            element={
              <RequireSession>
                <Layout />
              </RequireSession>
            }
          >
            <Route index element={<AppsPage />} />
            <Route path="apps/:id" element={<AppPage />} />
            <Route path="functions/:id" element={<FunctionRoute />} />
            <Route path="calls/:id" element={<CallPage />} />
            <Route path="volumes" element={<VolumesPage />} />
            <Route path="volumes/:id" element={<VolumePage />} />
            <Route path="secrets" element={<SecretsPage />} />
            <Route path="secrets/new" element={<NewSecretPage />} />
            <Route path="secrets/:id" element={<SecretPage />} />
            <Route path="dicts" element={<DictsPage />} />
            <Route path="dicts/:id" element={<DictPage />} />
            <Route path="queues" element={<QueuesPage />} />
            <Route path="queues/:id" element={<QueuePage />} />
            <Route path="proxy-tokens" element={<ProxyTokensPage />} />
            <Route path="members" element={<MembersPage />} />
            <Route path="tokens" element={<TokensPage />} />
            <Route path="audit" element={<AuditPage />} />
            <Route
              path="usage"
              element={
                <Suspense fallback={<p className="muted">Loading…</p>}>
                  <LazyUsagePage />
                </Suspense>
              }
            />
            <Route path="budgets" element={<BudgetsPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route path="logs" element={<LogsPage />} />
            <Route path="containers" element={<ContainersPage />} />
            <Route path="sandboxes" element={<SandboxesPage />} />
            <Route path="sandboxes/:id" element={<SandboxPage />} />
            <Route path="builds" element={<BuildsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}

import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";

import { Layout } from "./components/Layout";
import { RequireSession, SessionProvider } from "./components/session";
import { AppPage } from "./pages/AppPage";
import { AppsPage } from "./pages/AppsPage";
import { CallPage } from "./pages/CallPage";
import { DictPage } from "./pages/DictPage";
import { DictsPage } from "./pages/DictsPage";
import { LoginPage } from "./pages/LoginPage";
import { NewSecretPage } from "./pages/NewSecretPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ProxyTokensPage } from "./pages/ProxyTokensPage";
import { QueuePage } from "./pages/QueuePage";
import { QueuesPage } from "./pages/QueuesPage";
import { SecretPage } from "./pages/SecretPage";
import { SecretsPage } from "./pages/SecretsPage";
import { VolumePage } from "./pages/VolumePage";
import { VolumesPage } from "./pages/VolumesPage";

// The function page carries the chart library: loaded when it is first opened, and fetched at
// once (beside the session check) when the dashboard is opened on a function's URL.
const loadFunctionPage = () => import("./pages/FunctionPage");
if (typeof window !== "undefined" && window.location.pathname.startsWith("/functions/")) void loadFunctionPage();
const FunctionPage = lazy(loadFunctionPage);

export function Dashboard() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            element={
              <RequireSession>
                <Layout />
              </RequireSession>
            }
          >
            <Route index element={<AppsPage />} />
            <Route path="apps/:id" element={<AppPage />} />
            <Route
              path="functions/:id"
              element={
                <Suspense fallback={<p className="muted">Loading…</p>}>
                  <FunctionPage />
                </Suspense>
              }
            />
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
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}

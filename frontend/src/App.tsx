import { BrowserRouter, Route, Routes } from "react-router";

import { Layout } from "./components/Layout";
import { RequireSession, SessionProvider } from "./components/session";
import { AppPage } from "./pages/AppPage";
import { AppsPage } from "./pages/AppsPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { VolumePage } from "./pages/VolumePage";
import { VolumesPage } from "./pages/VolumesPage";

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
            <Route path="volumes" element={<VolumesPage />} />
            <Route path="volumes/:id" element={<VolumePage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}

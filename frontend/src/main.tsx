import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { Dashboard } from "./App";
import { startTheme } from "./lib/theme";
import "./styles.css";

startTheme(); // before the first paint: no flash of the other theme

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Dashboard />
  </StrictMode>,
);

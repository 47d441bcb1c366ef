import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build from frontend/dist under /static/ (WhiteNoise) and answers every
// non-API path with dist/index.html, so the router owns the URL space. `npm run dev` serves
// from / and forwards the API and WebSockets to a local `skylift server start`.
const server = "http://127.0.0.1:8000";

export default defineConfig(({ command }) => ({
  base: command === "build" ? "/static/" : "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    proxy: {
      "/api": { target: server, changeOrigin: true },
      "/ws": { target: server.replace(/^http/, "ws"), ws: true, changeOrigin: true },
    },
  },
}));

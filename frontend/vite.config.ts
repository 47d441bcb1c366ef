import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build from frontend/dist under /static/ (WhiteNoise) and answers every
// non-API path with dist/index.html, so the router owns the URL space. `npm run dev` serves
// from / and forwards the API and WebSockets to a local `skylift server start`.
const server = "http://127.0.0.1:8000";

// The dashboard builds the API client package from its source (clients/typescript/src), so a
// fresh clone needs no separate build of the package; tsconfig.json maps the same name.
const client = decodeURIComponent(new URL("../clients/typescript", import.meta.url).pathname);

export default defineConfig(({ command }) => ({
  base: command === "build" ? "/static/" : "/",
  plugins: [react()],
  resolve: { alias: { "@skylift/client": `${client}/src/index.ts` } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: {
    fs: { allow: [".", client] },
    proxy: {
      "/api": { target: server, changeOrigin: true },
      "/ws": { target: server.replace(/^http/, "ws"), ws: true, changeOrigin: true },
    },
  },
}));

import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { browserModules } from "./build/browser-modules.js";

// The console: built into dist/web, served by every node at / (src/node/api/static.ts).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [browserModules()],
  esbuild: { jsx: "automatic" },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // No inline scripts or data: modules: the node serves a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    // test/console/budget.test.ts reads it to sum what the first page loads.
    manifest: true,
  },
});

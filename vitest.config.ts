import { defineConfig } from "vitest/config";
import { browserModules } from "./web/build/browser-modules.js";

export default defineConfig({
  test: {
    // Two cores on the CI machine: more workers only thrash.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "node", include: ["src/**/*.test.ts", "test/**/*.test.ts"] } },
      {
        // The modules as the console's bundle resolves them (x.browser.ts over x.ts).
        extends: true,
        plugins: [browserModules()],
        test: { name: "browser-modules", include: ["src/**/*.browser-test.ts", "web/src/**/*.test.ts"] },
      },
    ],
  },
});

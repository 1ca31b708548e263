import { existsSync } from "node:fs";
import type { Plugin } from "vite";

/**
 * Chooses the browser's implementation of a module: wherever a relative import resolves to
 * `x.ts` and a sibling `x.browser.ts` exists, the bundle takes the sibling. This is how the
 * console runs the node's own crypto layer on pure JavaScript (src/crypto/*.browser.ts).
 */
export function browserModules(): Plugin {
  return {
    name: "mkl-browser-modules",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || !source.startsWith(".")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external) return null;
      const [file] = resolved.id.split("?");
      if (!file?.endsWith(".ts") || file.endsWith(".browser.ts")) return null;
      const sibling = file.replace(/\.ts$/, ".browser.ts");
      return existsSync(sibling) ? sibling : null;
    },
  };
}

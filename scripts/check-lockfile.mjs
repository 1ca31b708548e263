// CI: every package in package-lock.json that declares an install script must be on this list,
// with the reason it may stay. npm blocks dependencies' install scripts unless approved
// (package.json allowScripts), but a new one in the lockfile is worth a reviewer's look.
import { readFileSync } from "node:fs";

const ALLOWED = {
  lmdb: "ships prebuilt binaries; its install script only rebuilds when none fits (blocked here)",
  "msgpackr-extract": "optional native speed-up of lmdb's msgpackr, prebuilt binaries (blocked here)",
  esbuild: "dev only (vite, tsx): its install script checks the platform binary it ships",
};

const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));
const offenders = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === "" || entry.hasInstallScript !== true) continue;
  const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
  if (!(name in ALLOWED)) offenders.push(`${name}@${entry.version}`);
}
if (offenders.length > 0) {
  console.error(
    `install scripts not on the allow-list (scripts/check-lockfile.mjs): ${offenders.join(", ")}`,
  );
  process.exit(1);
}
console.log(`lockfile: ${Object.keys(ALLOWED).length} packages with install scripts, all on the allow-list`);

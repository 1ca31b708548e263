// Run from the repo root after any `npm install`: node scripts/lockfile-platform-optionals.cjs
// Why: the registry mirror here serves only linux-x64 builds, so npm drops the other platforms'
// optional packages from the lockfile and `npm ci` then refuses it ("Missing: ... from lock file").
// Adds lockfile entries for platform-specific optional packages the local registry mirror lacks,
// so `npm ci` validates; they are skipped at install (os/cpu do not match this machine).
const fs = require("node:fs");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const pk = lock.packages;
const OS = [
  "android",
  "darwin",
  "linux",
  "win32",
  "freebsd",
  "openbsd",
  "openharmony",
  "netbsd",
  "sunos",
  "aix",
];
const CPU = {
  arm64: "arm64",
  x64: "x64",
  arm: "arm",
  ia32: "ia32",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
};
let added = 0;
for (const [path, entry] of Object.entries(pk)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    // resolve as node would: nested first, then up the tree
    let dir = path;
    let found = false;
    for (;;) {
      const p = `${dir ? `${dir}/` : ""}node_modules/${dep}`;
      if (pk[p]) {
        found = true;
        break;
      }
      if (!dir) break;
      const i = dir.lastIndexOf("/node_modules/");
      dir = i < 0 ? "" : dir.slice(0, i);
    }
    if (found) continue;
    if (!/^\d+\.\d+\.\d+/.test(spec)) {
      console.error("non-exact", dep, spec);
      continue;
    }
    const parts = dep.split("/").pop().split("-");
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.map((p) => CPU[p]).find(Boolean);
    const e = { version: spec };
    if (entry.dev) e.dev = true;
    e.optional = true;
    if (os) e.os = [os];
    if (cpu) e.cpu = [cpu];
    if (parts.includes("musl")) e.libc = ["musl"];
    else if (parts.includes("gnu") && os === "linux") e.libc = ["glibc"];
    pk[`node_modules/${dep}`] = e;
    added++;
    console.log("added", dep, JSON.stringify(e));
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log({ added });

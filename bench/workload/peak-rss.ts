// Preloaded into a measured child (`node --import …/peak-rss.js`): when the process exits it
// writes its own peak resident set (VmHWM, which the kernel keeps for the whole run, so nothing
// between samples is missed) in bytes to the file MKL_PEAK_RSS_FILE names.
import { readFileSync, writeFileSync } from "node:fs";

const out = process.env.MKL_PEAK_RSS_FILE;
if (out !== undefined && out !== "") {
  process.on("exit", () => {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    writeFileSync(out, kb === undefined ? "" : String(Number(kb) * 1024));
  });
}

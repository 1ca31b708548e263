// Builds the native SM2 addon (native/sm2) against the OpenSSL that Node exports.
// A failed build does not fail the install: the crypto layer falls back to pure JavaScript
// and says so in the node's status and logs. The test suite checks that the addon loads.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const dir = new URL("../native/sm2/", import.meta.url).pathname;
if (!existsSync(`${dir}binding.gyp`)) process.exit(0);
const result = spawnSync("node-gyp", ["rebuild", "--directory", dir], { stdio: "inherit", shell: false });
if (result.status !== 0) {
  console.warn("marketledger: the native SM2 addon did not build; SM2 will run in pure JavaScript (slower).");
}

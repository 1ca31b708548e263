#!/usr/bin/env bash
# CI: no high or critical advisory in the runtime dependencies, where the registry answers audits.
set -uo pipefail
cd "$(dirname "$0")/.."
output="$(npm audit --omit=dev --audit-level=high 2>&1)"
status=$?
if grep -q "audit endpoint returned an error" <<<"$output"; then
  echo "npm audit: the registry does not answer audits here; skipped ($(grep -m1 'npm warn audit' <<<"$output"))"
  exit 0
fi
echo "$output" | tail -20
exit "$status"

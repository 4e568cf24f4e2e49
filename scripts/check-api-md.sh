#!/usr/bin/env bash
# Fails when API.md differs from what jsii-docgen generates from the current assembly (.jsii,
# written by `npm run build`). Regenerate with: npm run build && npm run docs:api
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npx jsii-docgen -o "$tmp/API.md"
if ! diff -u API.md "$tmp/API.md" > "$tmp/api.diff"; then
  head -n 60 "$tmp/api.diff"
  echo "check-api-md: API.md is stale; regenerate it with: npm run build && npm run docs:api" >&2
  exit 1
fi
echo "check-api-md: API.md is current"

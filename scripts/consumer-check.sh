#!/usr/bin/env bash
# Packs the library, installs the tarball into a fresh consumer app (with its own aws-cdk-lib
# and constructs, as a user's app would have), type-checks the app against the shipped
# declarations and synthesizes an EncryptedBucket.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "consumer-check: packed $tarball"
tar -tzf "$work/$tarball" | sort > "$work/contents.txt"
if grep -Ev '^package/(package\.json|README\.md|LICENSE|CHANGELOG\.md|\.jsii|dist/lib/.*\.(js|d\.ts))$' "$work/contents.txt"; then
  echo "consumer-check: unexpected files in the tarball (above)" >&2
  exit 1
fi
# The jsii assembly: Construct Hub and the other languages' packages are built from it.
if ! grep -qx 'package/\.jsii' "$work/contents.txt"; then
  echo "consumer-check: the tarball has no .jsii assembly" >&2
  exit 1
fi

cdk_version="$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")"
constructs_version="$(node -p "require('./package.json').devDependencies['constructs']")"
ts_version="$(node -p "require('./package.json').devDependencies['typescript']")"
node_types="$(node -p "require('./package.json').devDependencies['@types/node']")"

mkdir -p "$work/app"
cp consumer/app.ts consumer/tsconfig.json "$work/app/"
cd "$work/app"
cat > package.json <<JSON
{ "name": "consumer-app", "version": "0.0.0", "private": true }
JSON
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$work/$tarball" "aws-cdk-lib@$cdk_version" "constructs@$constructs_version" \
  "typescript@$ts_version" "@types/node@$node_types"

# aws-cdk-lib must be a peer dependency: one copy, the app's own.
if [ -d node_modules/cdk-s3-encryption/node_modules ]; then
  echo "consumer-check: the package brought its own node_modules (a second aws-cdk-lib breaks apps)" >&2
  exit 1
fi

npx tsc -p tsconfig.json
node app.js
echo "consumer-check: passed"

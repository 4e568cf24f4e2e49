#!/usr/bin/env bash
# Runs the library against the lowest versions that its peer dependency ranges allow: installs
# aws-cdk-lib and constructs at the floor of `peerDependencies` into .tmp/peer-floor, type-checks
# lib/ against them, and runs the tests with jest loading those copies (see jest.config.js).
# Tests of tooling that needs a newer aws-cdk-lib skip themselves there and print why.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

floor() { node -p "require('./package.json').peerDependencies['$1'].replace(/^[\\^~]/, '')"; }
cdk="$(floor aws-cdk-lib)"
constructs="$(floor constructs)"
dir="$root/.tmp/peer-floor"
echo "peer-floor: aws-cdk-lib $cdk, constructs $constructs"

want="{\"private\":true,\"dependencies\":{\"aws-cdk-lib\":\"$cdk\",\"constructs\":\"$constructs\"}}"
if [ "$(cat "$dir/package.json" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules/aws-cdk-lib" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$want" > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
fi
for name in aws-cdk-lib constructs; do
  installed="$(node -p "require('$dir/node_modules/$name/package.json').version")"
  [ "$installed" = "$(floor "$name")" ] || { echo "peer-floor: $name $installed installed, expected $(floor "$name")" >&2; exit 1; }
done

# The library's sources must compile against the floor's declarations.
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.json",
  "compilerOptions": {
    "noEmit": true,
    "baseUrl": ".",
    "paths": {
      "aws-cdk-lib": ["node_modules/aws-cdk-lib"],
      "aws-cdk-lib/*": ["node_modules/aws-cdk-lib/*"],
      "constructs": ["node_modules/constructs"]
    }
  },
  "include": ["../../lib/**/*.ts"]
}
JSON
npx tsc -p "$dir/tsconfig.json"
echo "peer-floor: lib/ type-checks against aws-cdk-lib $cdk"

CDK_PEER_FLOOR_DIR="$dir" npx jest "$@"

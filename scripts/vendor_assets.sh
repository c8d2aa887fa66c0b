#!/usr/bin/env bash
# Refresh the JavaScript and CSS the pages serve, from the npm registry (never a CDN).
# Each package lands under src/skillnest/web/static/vendor/<name>/ with its licence and a
# VERSION line; bump a version here, run the script, review and commit the result.
set -euo pipefail

DEST="src/skillnest/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# name  npm-spec  licence  files (path inside the package -> file name kept)
vendor() {
  local name="$1" spec="$2" licence="$3"; shift 3
  (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
  local tarball; tarball="$(ls -t "$WORK"/*.tgz | head -1)"
  mkdir -p "$WORK/$name" "$DEST/$name"
  tar xzf "$tarball" -C "$WORK/$name"
  for file in "$@"; do cp "$WORK/$name/package/$file" "$DEST/$name/"; done
  echo "$spec (npm), $*, $licence" > "$DEST/$name/VERSION"
  rm -f "$tarball"
}

vendor htmx htmx.org@2.0.11 "BSD Zero Clause License (0BSD)" dist/htmx.min.js LICENSE
vendor pico @picocss/pico@2.1.1 "MIT License" css/pico.min.css LICENSE.md
vendor libsodium libsodium@0.8.4 "ISC License" dist/modules-esm/libsodium.mjs LICENSE
vendor libsodium-wrappers libsodium-wrappers@0.8.4 "ISC License" dist/modules-esm/libsodium-wrappers.mjs
# One directory for both; the wrappers import the library by relative path (no import map,
# since the Content-Security-Policy allows no inline script).
sed 's|from"libsodium"|from"./libsodium.mjs"|' "$DEST/libsodium-wrappers/libsodium-wrappers.mjs" \
  > "$DEST/libsodium/libsodium-wrappers.mjs"
rm -rf "$DEST/libsodium-wrappers"
echo 'libsodium@0.8.4 and libsodium-wrappers@0.8.4 (npm), dist/modules-esm/*.mjs, ISC License; the wrappers import "./libsodium.mjs" instead of the bare "libsodium" (no import map: the CSP allows no inline script)' > "$DEST/libsodium/VERSION"
echo "vendored into $DEST"

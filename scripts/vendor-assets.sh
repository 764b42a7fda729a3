#!/usr/bin/env bash
# Re-fetch the vendored front-end assets from the npm registry at their pinned versions and verify them.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() {  # package version path-in-package destination
  (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
  tarball=$(ls "$work"/*.tgz | head -n1)
  mkdir -p "$work/x" && tar xzf "$tarball" -C "$work/x"
  mkdir -p "$(dirname "static/vendor/$4")"
  cp "$work/x/package/$3" "static/vendor/$4"
  cp "$work/x/package/LICENSE" "static/vendor/$(dirname "$4")/LICENSE"
  rm -rf "$work/x" "$tarball"
}
fetch htmx.org 2.0.11 dist/htmx.min.js htmx/htmx.min.js
fetch echarts 6.1.0 dist/echarts.min.js echarts/echarts.min.js
fetch bootstrap 5.3.8 dist/css/bootstrap.min.css bootstrap/bootstrap.min.css
fetch bootstrap 5.3.8 dist/js/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js
grep -E '^\| [a-z.]+ \|' static/vendor/VERSIONS.md | awk -F'|' '{gsub(/ /,"",$4); gsub(/ /,"",$5); print $5"  static/vendor/"$4}' \
  | sha256sum --check

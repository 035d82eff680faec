#!/bin/sh
# Refreshes docs/report.png, the README's picture of a report: the demo with
# the simulated BMC (so that power shows on any machine, labelled simulated),
# its report rendered by headless Chromium at 1280 px. Run after changing the
# report; the picture is never edited by hand.
#   sh deploy/demo/refresh-screenshot.sh        (as root, like npm run demo)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
command -v chromium >/dev/null 2>&1 || { echo "refresh-screenshot: needs chromium (apt-get install chromium)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/powerprof-screenshot-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$here" && sh deploy/install-deps.sh)
(cd "$work" && node "$here/dist/deploy/demo/run-demo.js" --simulated-bmc)
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,2500 \
  --screenshot="$here/docs/report.png" "file://$work/powerprof-out/report.html"
echo "docs/report.png refreshed from $work/powerprof-out/report.html"

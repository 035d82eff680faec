#!/bin/sh
# Copies what powerprof runs for the given roles from this built tree into DEST:
#   deploy/install-files.sh [--dry-run] [--with-resnet50] DEST agent|collector...
# The package's own files (package.json "files", as npm pack takes them: the build and what it reads at
# run time, such as the collector's Lua scripts and the .proto), its manifest, and of node_modules only
# the packages those roles' code imports and what they need (dist/deploy/package/list-runtime-modules.js
# follows the compiled imports and package-lock.json): an agent needs about 22 MB of the clone's 370 MB.
# onnxruntime-node (288 MB), an optional dependency used only by the bundled ResNet-50 workload, is
# copied with --with-resnet50. node_modules in DEST is replaced as a whole, so an upgrade leaves no
# stale package behind. Used by install.sh; tests stage installs with it.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
run() { echo "+ $*"; [ "$dry" = yes ] || "$@"; }
dry=no optional=
while :; do
  case ${1:-} in
    --dry-run) dry=yes; shift ;;
    --with-resnet50) optional=--with-optional; shift ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then sed -n '2,3p' "$0" >&2; exit 2; fi
case $1 in /*) dest=$1 ;; *) dest=$PWD/$1 ;; esac
shift
[ -f "$here/dist/deploy/package/list-runtime-modules.js" ] || { echo "install-files.sh: $here has no build: run npm ci (or npm run build) there first" >&2; exit 1; }
notes=$(mktemp)
modules=$(node "$here/dist/deploy/package/list-runtime-modules.js" $optional "$@" 2>"$notes") || { cat "$notes" >&2; rm -f "$notes"; exit 2; }
grep -q onnxruntime-node "$notes" && echo "leaving out onnxruntime-node (288 MB), used only by the bundled ResNet-50 workload: --with-resnet50 installs it"
rm -f "$notes"

run install -d -m 0755 "$dest"
files=$(cd "$here" && node -e 'process.stdout.write(require("./package.json").files.filter((f) => !f.startsWith("!")).map((f) => f.replace(/\/$/, "")).join("\n"))')
for file in package.json package-lock.json $files; do
  run cp -a "$here/$file" "$dest/"
done
# What "files" excludes ("!agent/**/testdata": the power sources' captured test outputs), as npm pack does.
excluded=$(cd "$here" && node -e 'process.stdout.write(require("./package.json").files.filter((f) => f.startsWith("!")).map((f) => f.slice(1).replace(/\*\*/g, "*")).join("\n"))')
for pattern in $excluded; do
  run find "$dest" -path "$dest/$pattern" -prune -exec rm -rf {} +
done
run rm -rf "$dest/node_modules.new"
run install -d -m 0755 "$dest/node_modules.new"
(cd "$here/node_modules" && run cp -a --parents $(echo "$modules" | sed 's#^node_modules/##') "$dest/node_modules.new/")
run rm -rf "$dest/node_modules"
run mv "$dest/node_modules.new" "$dest/node_modules"

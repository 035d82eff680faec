#!/bin/sh
# Installs what powerprof needs on a Debian machine, then its npm packages and
# build, skipping whatever is already there. With --test, also what the tests
# use (promtool). Used by `npm run demo`, `npm test` and `npm run bench`, so
# both quick-start commands work right after a clone.
set -eu
cd "$(dirname "$0")/.."

missing=""
command -v perf >/dev/null 2>&1 || missing="$missing linux-perf"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v lscpu >/dev/null 2>&1 || missing="$missing util-linux"
command -v ipmitool >/dev/null 2>&1 || missing="$missing ipmitool"
if [ "${1:-}" = "--test" ]; then
  command -v promtool >/dev/null 2>&1 || missing="$missing prometheus"
  command -v ipmi_sim >/dev/null 2>&1 || missing="$missing openipmi"
  [ -f /usr/include/OpenIPMI/mcserv.h ] || missing="$missing libopenipmi-dev"
  command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
  command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
fi

if [ -n "$missing" ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "powerprof needs:$missing. Install them as root: apt-get install$missing" >&2
    exit 1
  fi
  echo "==> installing Debian packages:$missing" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# npm ci when node_modules is missing or older than the lockfile; it builds (prepare).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm packages (npm ci)" >&2
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >&2
else
  npm run --silent build >&2
fi

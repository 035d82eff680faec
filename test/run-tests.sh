#!/bin/sh
# `npm test`: every compiled test file, one at a time. TMPDIR is a folder of
# this run, removed at the end, so that what tests make there (spools, sysfs
# and config trees, certificates) does not pile up in /tmp run after run.
#
# `npm test -- --under-load`: the same, beside two processes that keep a core
# busy each for the whole run, as on a loaded machine. Tests compare against
# what happened (sample timestamps, the CPU a process got), so they must pass
# this way too.
set -eu
under_load=no
for arg in "$@"; do
  case "$arg" in
    --under-load) under_load=yes ;;
    *) echo "run-tests.sh: unknown option $arg (only --under-load)" >&2; exit 2 ;;
  esac
done

run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/powerprof-tests-XXXXXX")
load_pids=""
cleanup() {
  [ -n "$load_pids" ] && kill $load_pids 2>/dev/null
  rm -rf "$run_tmp"
}
trap cleanup EXIT
# Searchable by all, as /tmp is: a test runs code as an unprivileged user from a folder in it.
chmod 755 "$run_tmp"
trap 'exit 130' INT TERM

if [ "$under_load" = yes ]; then
  for _ in 1 2; do
    sh -c 'while :; do :; done' &
    load_pids="$load_pids $!"
  done
  echo "# under load: two busy processes (pids$load_pids) beside the suite" >&2
fi
TMPDIR=$run_tmp node --test --test-concurrency=1 $(find dist/test -name '*.test.js' | sort)

#!/bin/sh
# `npm test`: every compiled test file, one at a time. TMPDIR is a folder of
# this run, removed at the end, so that what tests make there (spools, sysfs
# and config trees, certificates) does not pile up in /tmp run after run.
set -eu
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/powerprof-tests-XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
# Searchable by all, as /tmp is: a test runs code as an unprivileged user from a folder in it.
chmod 755 "$run_tmp"
trap 'exit 130' INT TERM
TMPDIR=$run_tmp node --test --test-concurrency=1 $(find dist/test -name '*.test.js' | sort)

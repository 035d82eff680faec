#!/bin/sh
# `npm run test:arch`: the agent in emulated POWER9 (pseries; powernv with an external BMC) and
# ARM64 guests (test/arch/run-arch-test.ts). Installs the host's tools where they are missing
# (as root), then runs it: one PASS or FAIL line per check, then "N passed, N failed".
# Guests are cached in $POWERPROF_ARCH_CACHE (default /var/cache/powerprof-test-arch).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
missing=""
command -v qemu-system-ppc64 >/dev/null 2>&1 || missing="$missing qemu-system-ppc"
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing="$missing qemu-system-arm"
command -v socat >/dev/null 2>&1 || missing="$missing socat"
command -v zstd >/dev/null 2>&1 || missing="$missing zstd"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
command -v depmod >/dev/null 2>&1 || missing="$missing kmod"
command -v xz >/dev/null 2>&1 || missing="$missing xz-utils"
command -v ipmi_sim >/dev/null 2>&1 || missing="$missing openipmi"
[ -f /usr/include/OpenIPMI/mcserv.h ] || missing="$missing libopenipmi-dev"
command -v gcc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing="$missing debian-archive-keyring"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then echo "test:arch needs:$missing. Install them as root: apt-get install$missing" >&2; exit 2; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi
exec node "$here/dist/test/arch/run-arch-test.js" "$@"

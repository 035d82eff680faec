#!/bin/sh
# `npm run test:systemd`: the units and install.sh under a real systemd, as an operator uses them.
# Builds a Debian 12 guest with systemd as PID 1 from Debian packages (debootstrap; the base is
# cached in $POWERPROF_VM_CACHE, keyed by the package list), adds Node.js and this built checkout,
# boots it under QEMU (TCG) with no network device, and there test/systemd/guest-check.sh runs the
# deployment steps (docs/deployment.md) and checks each promise of the units. Results come back over a 9p
# share; this prints them, and the journal around what failed. Needs root (debootstrap, chroot).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cache=${POWERPROF_VM_CACHE:-/var/cache/powerprof-test-systemd}
packages=systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools,redis-server,linux-perf,ipmitool,procps,iproute2,util-linux,passwd,ca-certificates
if [ "$(id -u)" != 0 ]; then echo "test:systemd: run as root (debootstrap and chroot build the guest)" >&2; exit 2; fi
if [ "$(uname -m)" != x86_64 ]; then echo "test:systemd: skipped: the guest is amd64 and this machine is $(uname -m)"; exit 0; fi
missing=""
command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
command -v qemu-img >/dev/null 2>&1 || missing="$missing qemu-utils"
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# The base system, built once per package list (about 2 minutes), natively: amd64 on amd64.
mirror=$({ grep -hs "^URIs:" /etc/apt/sources.list.d/*.sources || true; grep -hs "^deb " /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } | awk '{print $2}' | grep -v security | head -1)
key=$(printf '%s %s' "$packages" "$mirror" | sha256sum | cut -c1-16)
base=$cache/base-$key
if [ ! -f "$base/.done" ]; then
  echo "test:systemd: building the guest's base system from Debian packages (cached in $base)" >&2
  rm -rf "$base"; mkdir -p "$base"
  debootstrap --variant=minbase --include="$packages" bookworm "$base" "$mirror" >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  touch "$base/.done"
fi

# This checkout and the test on top of the base, in a scratch copy; an ext4 image made from it (no loop mount).
work=$(mktemp -d "${TMPDIR:-/tmp}/powerprof-systemd-XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
cp -a "$base" "$root"
echo pp-guest > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 pp-guest\n::1 localhost\n' > "$root/etc/hosts"
echo '/dev/vda / ext4 rw,relatime 0 1' > "$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null
install -m 0755 "$(command -v node)" "$root/usr/bin/node"   # an official Node 20 build needs only libc, libstdc++, libgcc_s
mkdir -p "$root/root/pp"
tar -C "$here" --exclude=./.git -cf - . | tar -C "$root/root/pp" -xf -
install -m 0755 "$here/test/systemd/guest-check.sh" "$root/usr/local/sbin/powerprof-guest-check.sh"
install -m 0644 "$here/test/systemd/powerprof-systemd-test.service" "$root/etc/systemd/system/powerprof-systemd-test.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/powerprof-systemd-test.service "$root/etc/systemd/system/multi-user.target.wants/powerprof-systemd-test.service"
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
mkfs.ext4 -q -F -L root -E lazy_itable_init=1 -d "$root" "$work/disk.img" 6G

# Boot: TCG, no network device; the guest runs the check and powers off.
mkdir -p "$work/out"
kernel=$(ls "$root"/boot/vmlinuz-* | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | tail -1)
echo "test:systemd: booting the guest (QEMU TCG, no network); the check takes a few minutes" >&2
timeout "${POWERPROF_VM_TIMEOUT:-1500}" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 2G \
  -display none -monitor none -serial file:"$work/serial.log" -no-reboot -nic none \
  -kernel "$kernel" -initrd "$initrd" -append "root=/dev/vda rw console=ttyS0" \
  -drive file="$work/disk.img",format=raw,if=virtio,cache=unsafe \
  -virtfs local,path="$work/out",mount_tag=out,security_model=none,id=out </dev/null || echo "test:systemd: QEMU ended with $?" >&2

results=$work/out/results.txt
if [ ! -s "$results" ]; then
  echo "test:systemd: the guest reported nothing; its console said:" >&2
  tail -40 "$work/serial.log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
cat "$results"
passed=$(grep -c '^PASS ' "$results" || true)
failed=$(grep -c '^FAIL ' "$results" || true)
if ! grep -q '^DONE' "$results"; then
  echo "test:systemd: the check did not finish; the end of what it printed:" >&2
  tail -30 "$work/out/guest.log" >&2
  failed=$((failed + 1))
fi
if [ "$failed" -gt 0 ]; then
  echo "--- the services' journal, last lines:" >&2
  tail -40 "$work/out/journal-units.txt" 2>/dev/null >&2 || true
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

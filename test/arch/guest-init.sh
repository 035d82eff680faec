#!/bin/busybox sh
# /init of the test:arch guests: mounts, loads the few modules, brings up the one network device
# (QEMU user networking, restricted: its only way out is the forward to the host's collector),
# mounts the host's share and runs its run.sh, then powers off.
/bin/busybox --install -s 2>/dev/null
export PATH=/usr/local/bin:/usr/bin:/usr/sbin HOME=/root
mkdir -p /proc /sys /dev /tmp /run /root /mnt
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for ko in $(cat /etc/initmods); do insmod "$ko" 2>/dev/null; done
ip link set lo up
if ip link set eth0 up 2>/dev/null; then ip addr add 10.0.2.15/24 dev eth0; fi
echo "=== GUEST-READY uptime=$(cut -d' ' -f1 /proc/uptime)s kernel=$(uname -r)"
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /mnt 2>/dev/null && [ -f /mnt/run.sh ]; then
  cd /mnt && sh /mnt/run.sh; rc=$?
else
  echo "no share with run.sh"; rc=1
fi
echo "=== GUEST-DONE rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)s"
sync; poweroff -f

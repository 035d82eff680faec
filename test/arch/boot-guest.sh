#!/bin/bash
# Boots a test:arch guest (build-guest.sh) under QEMU TCG on one CPU, sharing SHARE_DIR over 9p
# (the guest runs its run.sh and writes its results there), and powers it off when the job ends.
#   boot-guest.sh GUEST_DIR power9-pseries|power9-powernv|arm64-virt SHARE_DIR COLLECTOR_PORT [BMC_VM_PORT]
# The guest's network is QEMU user networking with restrict=on: no packet leaves it except through
# the one guestfwd, 10.0.2.100:4000 in the guest to the host's collector on 127.0.0.1:COLLECTOR_PORT
# (a socat per connection). power9-powernv also gets an external BMC (OpenIPMI's ipmi_sim, VM
# codec on BMC_VM_PORT) as its /dev/ipmi0, and, having no default devices (-nodefaults, or QEMU's
# own BMC simulator would be taken), a PCIe host bridge and root port for each virtio device.
# The console goes to stdout.
set -euo pipefail
guest=${1:?guest dir}; kind=${2:?guest kind}; share=${3:?share dir}; collector_port=${4:?collector port}; bmc_port=${5:-}
net=(-netdev "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:4000-cmd:socat - TCP:127.0.0.1:$collector_port")
share_opts=(-fsdev "local,id=share,path=$share,security_model=none")
case $kind in
  power9-pseries)
    qemu=qemu-system-ppc64
    machine=(-machine pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off -cpu POWER9)
    devices=(-device virtio-net-pci,netdev=net0 -device virtio-9p-pci,fsdev=share,mount_tag=share) ;;
  power9-powernv)
    qemu=qemu-system-ppc64
    machine=(-machine powernv9)
    devices=(-chardev "socket,id=ipmi0,host=127.0.0.1,port=${bmc_port:?the BMC port},reconnect=10"
             -device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-bt,bmc=bmc0,irq=10
             -device pnv-phb,chip-id=0,index=0,id=pcie.0 -device pnv-phb-root-port,id=root0,bus=pcie.0,chassis=1,slot=0
             -device pnv-phb,chip-id=0,index=1,id=pcie.1 -device pnv-phb-root-port,id=root1,bus=pcie.1,chassis=2,slot=0
             -device virtio-net-pci,netdev=net0,bus=root0 -device virtio-9p-pci,fsdev=share,mount_tag=share,bus=root1) ;;
  arm64-virt)
    qemu=qemu-system-aarch64
    machine=(-machine virt -cpu max,pauth=off)
    devices=(-device virtio-net-pci,netdev=net0 -device virtio-9p-pci,fsdev=share,mount_tag=share) ;;
  *) echo "boot-guest.sh: unknown guest kind $kind" >&2; exit 2 ;;
esac
exec timeout -k 10 "${TIMEOUT:-900}" "$qemu" "${machine[@]}" -nodefaults -serial mon:stdio -nographic -no-reboot -smp 1 -m 2G \
  -kernel "$guest/kernel" -initrd "$guest/base.cpio.zst" -append "$(cat "$guest/cmdline")" \
  "${net[@]}" "${share_opts[@]}" "${devices[@]}" </dev/null

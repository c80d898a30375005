#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once per kernel version and init script) the busybox initramfs that
# scripts/vm-run boots, and print its path.
set -eu

kver=$1
repo=$(cd "$(dirname "$0")/.." && pwd -P)
out=$repo/build/vm/$kver
initrd=$out/initrd.img
init=$repo/scripts/vm-init1

if [ -f "$initrd" ] && [ "$initrd" -nt "$init" ] && [ "$initrd" -nt "$0" ]; then
	echo "$initrd"
	exit 0
fi

busybox=/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1 || ! file -L "$busybox" 2>/dev/null | grep -q static; then
	busybox=/usr/bin/busybox
fi
[ -x "$busybox" ] || { echo "mkinitrd: busybox-static is not installed (run scripts/setup)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount umount insmod mkdir switch_root poweroff cat echo sleep; do
	ln -s busybox "$root/bin/$applet"
done

# Modules in dependency order, each once: 9p root, virtio transports, the
# output console and the --disk block device.
: >"$root/lib/modules/order"
for mod in virtio_pci virtio_console virtio_blk 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	case "$name" in
	*.xz) xz -dc "$ko" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*) cp "$ko" "$root/lib/modules/$name" ;;
	esac
	echo "$name" >>"$root/lib/modules/order"
done
install -m 0755 "$init" "$root/init"

mkdir -p "$out"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
mv "$initrd.tmp" "$initrd"
echo "$initrd"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-VM half of the power-cut test (see run.sh).  "write": put
# cbs-server's data on the virtio disk, write through a cbs device with
# O_SYNC (FUA/flush) and record each acknowledged block on the host, then
# reset the VM at once.  "verify": after a fresh boot, every acknowledged
# block must read back.
set -u
cd "$(dirname "$0")/../.." || exit 1
export PATH=$PWD/build/bin:$PATH
phase=$1
acked=$2
disk=/dev/vda
mnt=/tmp/disk
ADMIN=admin-pc
SERVER=127.0.0.1:17200
BLOCKS=16
BIG=64		# blocks per large FUA write: 256 KiB, spliced by the server

modprobe ext4
insmod kmod/cbs/cbs.ko || exit 1
mkdir -p "$mnt"
if [ "$phase" = write ]; then
	mkfs.ext4 -q -F "$disk" || exit 1
fi
mount "$disk" "$mnt" || exit 1
mkdir -p "$mnt/data"
cbs-server --listen "$SERVER" --data "$mnt/data" --admin-token "$ADMIN" \
	>>/tmp/server.log 2>&1 &
for _ in $(seq 100); do
	cbs volume list server "$SERVER" admin-token "$ADMIN" >/dev/null 2>&1 && break
	sleep 0.1
done

if [ "$phase" = write ]; then
	cbs volume create pc size 64M token tokp server "$SERVER" admin-token "$ADMIN" >/dev/null || exit 1
	dev=$(cbs map pc server "$SERVER" token tokp conns 2) || exit 1
	: >"$acked"
	# FUA writes: each acknowledged by O_SYNC before it is recorded.
	for i in $(seq 0 $((BLOCKS - 1))); do
		head -c 4096 /dev/urandom >/tmp/blk
		dd if=/tmp/blk of="$dev" bs=4096 seek="$i" oflag=direct,sync status=none || exit 1
		echo "$i $(sha256sum </tmp/blk | cut -d' ' -f1)" >>"$acked"
	done
	# Large FUA writes: "first-block checksum block-count".
	for j in 0 1; do
		first=$((2 * BLOCKS + j * BIG))
		head -c $((BIG * 4096)) /dev/urandom >/tmp/big
		dd if=/tmp/big of="$dev" bs=$((BIG * 4096)) seek=$((first * 4096)) \
			oflag=seek_bytes,direct,sync status=none || exit 1
		echo "$first $(sha256sum </tmp/big | cut -d' ' -f1) $BIG" >>"$acked"
	done
	# A burst of plain writes made durable by one flush (fsync of the device).
	head -c $((BLOCKS * 4096)) /dev/urandom >/tmp/burst
	dd if=/tmp/burst of="$dev" bs=4096 seek=$BLOCKS conv=fsync status=none || exit 1
	for i in $(seq 0 $((BLOCKS - 1))); do
		echo "$((BLOCKS + i)) $(dd if=/tmp/burst bs=4096 skip="$i" count=1 status=none | sha256sum | cut -d' ' -f1)"
	done >>"$acked"
	sync "$acked"
	# Power cut: reset now, nothing more reaches the disk.
	echo b >/proc/sysrq-trigger
	sleep 30
	exit 1
fi

dev=$(cbs map pc server "$SERVER" token tokp) || exit 1
total=$(wc -l <"$acked")
bad=0
while read -r blk sum count; do
	got=$(dd if="$dev" bs=4096 skip="$blk" count="${count:-1}" iflag=direct status=none | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { bad=$((bad + 1)); echo "# block $blk differs"; }
done <"$acked"
if [ "$total" -eq $((2 * BLOCKS + 2)) ]; then
	echo "ok 2 powercut: the first boot acknowledged $total writes"
else
	echo "not ok 2 powercut: the first boot acknowledged $total of $((2 * BLOCKS + 2)) writes"
fi
if [ "$bad" -eq 0 ] && [ "$total" -gt 0 ]; then
	echo "ok 3 powercut: all $total acknowledged writes survived the power cut"
else
	echo "not ok 3 powercut: $bad of $total acknowledged writes lost"
fi
cbs unmap "$dev"
kill %1
umount "$mnt" 2>/dev/null
[ "$bad" -eq 0 ] && [ "$total" -eq $((2 * BLOCKS + 2)) ]

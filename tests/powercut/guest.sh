#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-VM half of the power-cut test (see run.sh).  "write": put
# cbs-server's data on the virtio disk, write through a cbs device with
# O_SYNC (FUA/flush) and record each acknowledged block on the host; shrink
# three volumes, one to completion and two held by strace mid-way (before
# the metadata's rename, and after it at the data file's ftruncate); take
# a snapshot and write over it with FUA, and hold two more snapshots by
# strace mid-way (at the metadata's rename, and after it), then reset the
# VM at once.  "verify": after a fresh boot, cbs-server --fsck finds no
# problem in any data directory; every acknowledged block must read back,
# each shrunk volume must have its old size and all its data or its new
# size and all the data below it, and each snapshot must be whole or (if
# cut before its commit) absent, its volume intact.
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
CLIENT=tests/host/cbs_client.py
SHRINK_OLD=$((2 << 20))
SHRINK_NEW=$((1 << 20))
# The shrinks in flight at the reset, each on a server of its own (a resize
# holds the server's volume table): "volume port syscall-numbers-it-stops-at".
# x86_64: renameat 264, renameat2 316, ftruncate 77.
IN_FLIGHT=("shrink-pre 17201 264 316" "shrink-post 17202 77")
# Snapshots in flight, likewise: "volume port inject-spec"; a flat volume's
# first snapshot renames three files (its layer's, the new top's, the
# metadata, the commit point), then unlinks NAME.vol (263).
SNAP_IN_FLIGHT=("snap-pre 17203 264,316:when=3" "snap-post 17204 263")
export CBS_ADMIN_TOKEN=$ADMIN

modprobe ext4
insmod kmod/cbs/cbs.ko || exit 1
mkdir -p "$mnt"
if [ "$phase" = write ]; then
	mkfs.ext4 -q -F "$disk" || exit 1
fi
mount "$disk" "$mnt" || exit 1
mkdir -p "$mnt/data"
# start_server ADDR DIR: a cbs-server; its pid in $server_pid.
start_server() {
	mkdir -p "$2"
	cbs-server --listen "$1" --data "$2" --admin-token "$ADMIN" >>/tmp/server.log 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		cbs volume list server "$1" admin-token "$ADMIN" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# in_syscall PID NR...: a thread of PID is in (or stopped at) one of the syscalls.
in_syscall() {
	local pid=$1 f nr want
	shift
	for f in /proc/"$pid"/task/*/syscall; do
		read -r nr _ <"$f" 2>/dev/null || continue
		for want in "$@"; do
			[ "$nr" = "$want" ] && return 0
		done
	done
	return 1
}

# shrink_volume ADDR NAME: a volume of SHRINK_OLD bytes, every block written.
shrink_volume() {
	cbs volume create "$2" size "$SHRINK_OLD" token tok-shrink \
		server "$1" admin-token "$ADMIN" >/dev/null &&
		python3 "$CLIENT" fill "$1" "$2" tok-shrink
}

# shrink_in_flight NAME PORT NR...: shrink NAME on a server of its own, held
# by strace when it enters syscall NR; records NAME once it is held there.
shrink_in_flight() {
	local name=$1 addr=127.0.0.1:$2 pid
	shift 2
	start_server "$addr" "$mnt/data-$name" && shrink_volume "$addr" "$name" || return 1
	pid=$server_pid
	strace -f -qq -p "$pid" -o /dev/null -e trace=ftruncate,renameat,renameat2 \
		-e inject="$(printf '%s,' "$@" | sed 's/,$//')":delay_enter=600000000 \
		2>/dev/null &
	for _ in $(seq 100); do
		! grep -q '^TracerPid:[[:space:]]*0$' /proc/"$pid"/task/*/status && break
		sleep 0.1
	done
	cbs volume resize "$name" size "$SHRINK_NEW" server "$addr" admin-token "$ADMIN" \
		>/dev/null 2>&1 &
	for _ in $(seq 300); do
		if in_syscall "$pid" "$@"; then
			echo "$name in-flight" >>"$acked.shrink"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# snap_in_flight NAME PORT SPEC: on a server of its own, a volume of
# SHRINK_OLD bytes, every block written; its snapshot NAME@crash held by
# strace (inject=SPEC); records NAME once the server is in that syscall.
snap_in_flight() {
	local name=$1 addr=127.0.0.1:$2 spec=$3 pid nrs
	start_server "$addr" "$mnt/data-$name" && shrink_volume "$addr" "$name" || return 1
	pid=$server_pid
	nrs=${spec%%:*}
	strace -f -qq -p "$pid" -o /dev/null -e trace=renameat,renameat2,unlinkat \
		-e inject="$nrs:delay_enter=600000000${spec#"$nrs"}" 2>/dev/null &
	for _ in $(seq 100); do
		! grep -q '^TracerPid:[[:space:]]*0$' /proc/"$pid"/task/*/status && break
		sleep 0.1
	done
	python3 "$CLIENT" snap-create "$addr" "$name" tok-shrink >/dev/null 2>&1 &
	for _ in $(seq 300); do
		# shellcheck disable=SC2086 # the syscall numbers
		if in_syscall "$pid" ${nrs//,/ }; then
			echo "$name in-flight" >>"$acked.snap"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Before anything starts: a power cut leaves no problem (leftovers are fine).
if [ "$phase" = verify ]; then
	fsck_bad=0
	for d in "$mnt"/data*; do
		cbs-server --fsck --data "$d" >/tmp/fsck.out 2>&1 || {
			fsck_bad=1
			sed 's/^/# /' /tmp/fsck.out
		}
	done
fi

start_server "$SERVER" "$mnt/data"

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
	# Shrinks: one acknowledged, two in flight, at the power cut.
	: >"$acked.shrink"
	shrink_volume "$SERVER" shrink-acked &&
		cbs volume resize shrink-acked size "$SHRINK_NEW" server "$SERVER" admin-token "$ADMIN" &&
		echo "shrink-acked acknowledged" >>"$acked.shrink"
	for f in "${IN_FLIGHT[@]}"; do
		# shellcheck disable=SC2086 # "name port nr..."
		shrink_in_flight $f
	done
	# A snapshot acknowledged, then FUA writes over it; two in flight.
	: >"$acked.snap"
	shrink_volume "$SERVER" snap-acked &&
		python3 "$CLIENT" snap-ack-write "$SERVER" snap-acked tok-shrink &&
		echo "snap-acked acknowledged" >>"$acked.snap"
	for f in "${SNAP_IN_FLIGHT[@]}"; do
		# shellcheck disable=SC2086 # "name port spec"
		snap_in_flight $f
	done
	sync "$acked" "$acked.shrink" "$acked.snap"
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
pids=$server_pid

# check_shrink N NAME STATE ADDR WHAT CASE SIZE...: NAME reached STATE
# before the cut, and now passes cbs_client.py CASE (intact: it has SIZE and
# all its data; resized: the old size and all data, or the new size and the
# data below).
shrink_failed=0
check_shrink() {
	local n=$1 name=$2 state=$3 addr=$4 what=$5 out=
	shift 5
	if grep -q "^$name $state\$" "$acked.shrink" &&
	   out=$(python3 "$CLIENT" "$1" "$addr" "$name" tok-shrink 1 "${@:2}" 2>&1); then
		echo "ok $n powercut: $what: no data lost${out:+ ($out)}"
	else
		echo "not ok $n powercut: $what"
		echo "# ${out:-never $state before the reset}"
		shrink_failed=1
	fi
}
check_shrink 4 shrink-acked acknowledged "$SERVER" \
	"a shrink acknowledged before the cut has the new size" intact "$SHRINK_NEW"
n=5
for f in "${IN_FLIGHT[@]}"; do
	read -r name port _ <<<"$f"
	start_server "127.0.0.1:$port" "$mnt/data-$name"
	pids="$pids $server_pid"
	case $name in
	shrink-pre) what="a shrink cut before its metadata's rename" ;;
	*) what="a shrink cut after its metadata, before its ftruncate" ;;
	esac
	check_shrink "$n" "$name" in-flight "127.0.0.1:$port" "$what" \
		resized "$SHRINK_OLD" "$SHRINK_NEW"
	n=$((n + 1))
done
# check_snap N NAME STATE ADDR WHAT CASE: NAME reached STATE before the cut,
# and now passes cbs_client.py CASE.
snap_failed=0
check_snap() {
	local n=$1 name=$2 state=$3 addr=$4 what=$5 out=
	if grep -q "^$name $state\$" "$acked.snap" &&
	   out=$(python3 "$CLIENT" "$6" "$addr" "$name" tok-shrink 2>&1); then
		echo "ok $n powercut: $what${out:+ ($out)}"
	else
		echo "not ok $n powercut: $what"
		echo "# ${out:-never $state before the reset}"
		snap_failed=1
	fi
}
check_snap 7 snap-acked acknowledged "$SERVER" \
	"a snapshot acknowledged before the cut is whole, and the FUA writes over it survived" \
	snap-ack-check
n=8
for f in "${SNAP_IN_FLIGHT[@]}"; do
	read -r name port _ <<<"$f"
	start_server "127.0.0.1:$port" "$mnt/data-$name"
	pids="$pids $server_pid"
	case $name in
	snap-pre) what="a snapshot cut at its commit: whole or absent, its volume intact" ;;
	*) what="a snapshot cut after its commit: whole, its volume intact" ;;
	esac
	check_snap "$n" "$name" in-flight "127.0.0.1:$port" "$what" snap-crashed
	n=$((n + 1))
done
# shellcheck disable=SC2086
kill $pids
wait 2>/dev/null
for d in "$mnt"/data*; do
	cbs-server --fsck --data "$d" >/tmp/fsck.out 2>&1 || {
		fsck_bad=1
		sed 's/^/# /' /tmp/fsck.out
	}
done
if [ "$fsck_bad" -eq 0 ]; then
	echo "ok 10 powercut: cbs-server --fsck finds no problem after the cut, nor after the restart"
else
	echo "not ok 10 powercut: cbs-server --fsck finds no problem after the cut, nor after the restart"
fi
umount "$mnt" 2>/dev/null
[ "$bad" -eq 0 ] && [ "$total" -eq $((2 * BLOCKS + 2)) ] && [ "$shrink_failed" -eq 0 ] &&
	[ "$snap_failed" -eq 0 ] && [ "$fsck_bad" -eq 0 ]

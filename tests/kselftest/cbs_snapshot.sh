#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cbs snapshots, clones and images (issue 13), against a cbs-server on
# loopback, through /dev/cbsN:
#
#   1. a snapshot taken while fio (crc32c verify) writes one region and an
#      ordered writer another: a clone of it holds the reference region
#      written before, and exactly a prefix of the ordered writes, every one
#      acknowledged before the snapshot began and none sent after it ended
#      (crash consistency); fio never notices;
#   2. two clones of the snapshot written independently, and the source:
#      none sees the others' writes;
#   3. a clone of a clone;
#   4. rollback: EBUSY while the volume is mapped, then the snapshot's content;
#   5. delete with shared regions: the clones read right after the source's
#      snapshot and the source itself are deleted; `cbs volume list` counts
#      shared regions once (a clone costs nothing, deleting the source frees
#      nothing a clone uses, deleting the last user frees it);
#   6. image import: a clone of NAME@image is O(1) and reads the image; the
#      image's snapshot cannot be deleted while a clone depends on it;
#   7. `cbs-server --fsck --data DIR` clean after a kill -9 under fio (with
#      snapshots and clones on disk) and at the end.
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server fio python3 md5sum cmp

ktap_plan 69
load_module cbs
defer unload_module cbs

cbs_setup 17500
BLOCKS=$REPO/tests/kselftest/helpers/cbs_blocks.py
TOK=toks
W=$CBS_WORK
MiB=1048576
EBUSY_RE='[Bb]usy|EBUSY|mapped|in use'

snap() {
	cbs snapshot "$@" server "$CBS_SERVER" admin-token "$CBS_ADMIN"
}

# map NAME: map NAME (no reconnect), its device in DEV_<NAME>.
map() {
	local dev
	dev=$(cbs map "$1" server "$CBS_SERVER" token "$TOK") || return 1
	printf -v "DEV_$1" '%s' "$dev"
	echo "$dev"
}

# region DEV OFF_MIB LEN_MIB: that region of DEV on stdout (direct reads).
region() {
	dd if="$1" bs=1M skip="$2" count="$3" iflag=direct status=none
}

# region_is DEV OFF_MIB LEN_MIB FILE [FILE_OFF_MIB]: the region equals FILE's.
region_is() {
	cmp <(region "$1" "$2" "$3") <(dd if="$4" bs=1M skip="${5:-0}" count="$3" status=none)
}

# put FILE DEV OFF_MIB: write FILE at OFF_MIB with O_DIRECT.
put() {
	dd if="$1" of="$2" bs=1M seek="$3" oflag=direct conv=notrunc,fsync status=none
}

md5() {
	dd if="$1" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1
}

same_md5() {
	local got
	got=$(md5 "$1") || return 1
	[ "$got" = "$2" ] || { echo "md5 $got, want $2"; return 1; }
}

writes_past() {
	local w
	w=$(cbs -j -s show "$1" | grep -o '"writes":[0-9]*' | cut -d: -f2)
	[ -n "$w" ] && [ "$w" -gt "$2" ]
}

acked() {
	wc -l <"$W/acked"
}

acked_past() {
	[ "$(acked)" -gt "$1" ]
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# fio_ok PID OUT: fio PID ended with status 0 and no error in its terse report.
fio_ok() {
	local rc
	busywait 300000 gone "$1" >/dev/null
	wait "$1"
	rc=$?
	cat "$2.err"
	[ "$rc" -eq 0 ] && [ "$(cut -d';' -f5 "$2")" = 0 ]
}

start_fio() {
	local dev=$1 out=$2
	shift 2
	fio --name=verify --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=32 --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --verify_state_save=0 --randrepeat=0 "$@" \
		--output="$out" --output-format=terse >/dev/null 2>"$out.err" &
	FIO_PID=$!
	defer "kill -9 $FIO_PID"
}

# used: the server's used bytes (`cbs volume list`), in MiB.
used_mib() {
	local out
	out=$(cbs_admin list) || return 1
	printf '%s\n' "$out" | sed -n 's/.*used \([0-9][0-9]*\).*/\1/p' | head -n 1 |
		awk -v m=$MiB '{ printf "%d\n", $1 / m }'
}

now_ms() {
	date +%s%3N
}

dd if=/dev/urandom of="$W/ref" bs=1M count=8 status=none
dd if=/dev/urandom of="$W/x" bs=1M count=4 status=none
dd if=/dev/urandom of="$W/y" bs=1M count=4 status=none
dd if=/dev/urandom of="$W/z" bs=1M count=4 status=none

cbs_start_server
check "server starts" cbs_server_answers

# 1. Snapshot during fio.  sv: [0, 8M) the reference, [8M, 16M) the ordered
# writer's 2048 blocks, [32M, 64M) fio.
check "create sv 64M" cbs_admin create sv size 64M token "$TOK"
check_here "map sv" map sv
check "the reference into sv [0, 8M)" put "$W/ref" "$DEV_sv" 0
start_fio "$DEV_sv" "$W/fio1" --offset=32M --size=32M
FIO1=$FIO_PID
: >"$W/acked"
python3 "$BLOCKS" seqwrite "$DEV_sv" $((8 * MiB)) 2048 "$W/acked" 2>"$W/seq.err" &
SEQ_PID=$!
defer "kill $SEQ_PID"
check "fio is 300 writes in" busywait 120000 writes_past "$DEV_sv" 300
check "the ordered writer is 50 blocks in" busywait 60000 acked_past 50
n0=$(acked)
t0=$(now_ms)
check "snapshot sv@s1 during fio" snap create sv@s1
t1=$(now_ms)
n1=$(acked)
log "snapshot during fio: $((t1 - t0)) ms, ordered blocks acknowledged $n0 before, $n1 after"
check "the ordered writer goes on after the snapshot" busywait 60000 acked_past $((n1 + 20))
kill "$SEQ_PID"
wait "$SEQ_PID" 2>/dev/null
check_here "fio is not disturbed by the snapshot: no error, every block verifies" fio_ok "$FIO1" "$W/fio1"
check_output "snapshot list sv shows s1" 's1' snap list sv
check "clone sv@s1 as c1" cbs_admin clone sv@s1 c1 token "$TOK"
check_here "map c1" map c1
check "c1 [0, 8M) is the reference written before the snapshot" region_is "$DEV_c1" 0 8 "$W/ref"
check_output "c1 holds a prefix of the ordered writes: all acknowledged before, none sent after" \
	'^[0-9]+$' python3 "$BLOCKS" seqcheck "$DEV_c1" $((8 * MiB)) 2048 "$n0" "$n1"
S1_MD5=$(md5 "$DEV_c1")

# 2. Clones written independently.
check "clone sv@s1 as c2" cbs_admin clone sv@s1 c2 token "$TOK"
check_here "map c2" map c2
check "c2 reads as the snapshot" same_md5 "$DEV_c2" "$S1_MD5"
SV_MD5=$(md5 "$DEV_sv")
put "$W/x" "$DEV_c1" 0
put "$W/y" "$DEV_c2" 0
check "c1 reads its own write" region_is "$DEV_c1" 0 4 "$W/x"
check "c1 reads the snapshot where it did not write" region_is "$DEV_c1" 4 4 "$W/ref" 4
check "c2 reads its own write, not c1's" region_is "$DEV_c2" 0 4 "$W/y"
check "c2 reads the snapshot where it did not write" region_is "$DEV_c2" 4 4 "$W/ref" 4
check "sv is untouched by its clones' writes" same_md5 "$DEV_sv" "$SV_MD5"

# 3. A clone of a clone.
check "snapshot c1@t" snap create c1@t
T_MD5=$(md5 "$DEV_c1")
check "clone c1@t as cc" cbs_admin clone c1@t cc token "$TOK"
check_here "map cc" map cc
check "cc reads as c1 when snapped" same_md5 "$DEV_cc" "$T_MD5"
put "$W/z" "$DEV_cc" 8
check "cc reads its own write" region_is "$DEV_cc" 8 4 "$W/z"
check "c1 is untouched by cc's write" same_md5 "$DEV_c1" "$T_MD5"

# 4. Rollback.
check_fail_output "rollback sv@s1 is refused (EBUSY) while sv is mapped" "$EBUSY_RE" \
	cbs_admin rollback sv@s1
check "unmap sv" cbs unmap "$DEV_sv"
check "rollback sv@s1 once unmapped" cbs_admin rollback sv@s1
check_here "map sv again" map sv
check "sv reads as the snapshot after the rollback" same_md5 "$DEV_sv" "$S1_MD5"
check "unmap sv" cbs unmap "$DEV_sv"

# 5. Delete with shared regions, and space accounting.
check "delete the snapshot sv@s1 that c1 and c2 came from" snap delete sv@s1
check "delete sv" cbs_admin delete sv
check "c1 still reads right" same_md5 "$DEV_c1" "$T_MD5"
check "c2 still reads right" region_is "$DEV_c2" 4 4 "$W/ref" 4
check "create big 32M" cbs_admin create big size 32M token "$TOK"
check_here "map big" map big
dd if=/dev/urandom of="$W/big" bs=1M count=16 status=none
put "$W/big" "$DEV_big" 0
check "unmap big" cbs unmap "$DEV_big"
u1=$(used_mib)
snap create big@s >/dev/null
check "clone big@s as bc" cbs_admin clone big@s bc token "$TOK"
u2=$(used_mib)
log "used: ${u1} MiB with big, ${u2} MiB with its snapshot and clone"
check "a snapshot and a clone take no space of their own (< 2 MiB)" test $((u2 - u1)) -lt 2
snap delete big@s >/dev/null
check "delete big" cbs_admin delete big
u3=$(used_mib)
check_here "map bc" map bc
check "bc reads big's data after big is gone" region_is "$DEV_bc" 0 16 "$W/big"
check "unmap bc" cbs unmap "$DEV_bc"
log "used: ${u3} MiB once big is deleted"
check "deleting big frees nothing bc uses (16 MiB kept)" test $((u1 - u3)) -lt 2
check "delete bc" cbs_admin delete bc
u4=$(used_mib)
log "used: ${u4} MiB once bc is deleted"
check "deleting the last user frees the 16 MiB" test $((u3 - u4)) -ge 14

# 6. Image import.
truncate -s 64M "$W/img.raw"
dd if=/dev/urandom of="$W/img.raw" bs=1M count=4 conv=notrunc status=none
dd if=/dev/urandom of="$W/img.raw" bs=1M seek=40 count=2 conv=notrunc status=none
check "image import img" cbs image import img "$W/img.raw" token "$TOK" \
	server "$CBS_SERVER" admin-token "$CBS_ADMIN"
check_output "img has its snapshot img@image" 'image' snap list img
u1=$(used_mib)
t0=$(now_ms)
check "clone img@image as vm1" cbs_admin clone img@image vm1 token "$TOK"
t1=$(now_ms)
u2=$(used_mib)
# Its time is bench/cbs's business (this VM is slow and loaded); here: it
# copies nothing.
log "clone of a 64 MiB image: $((t1 - t0)) ms (the cbs command included); used ${u1} -> ${u2} MiB"
check "the clone copies nothing of the image (O(1): < 2 MiB more used)" test $((u2 - u1)) -lt 2
check_here "map vm1" map vm1
check "vm1 reads the image" region_is "$DEV_vm1" 0 64 "$W/img.raw"
check_fail "img@image cannot be deleted while vm1 depends on it" snap delete img@image

# 7. kill -9 under fio with snapshots and clones on disk: --fsck clean;
# the device carries fio through the restart (reconnect).  The devices
# mapped without reconnect go first.
for d in "$DEV_vm1" "$DEV_c1" "$DEV_c2" "$DEV_cc"; do
	cbs unmap "$d" >/dev/null 2>&1
done
cbs map vm1 server "$CBS_SERVER" token "$TOK" reconnect io-timeout 3 \
	>"$W/map-vm1.out" 2>"$W/map-vm1.err" &
MAP_PID=$!
defer "kill $MAP_PID"
check "map vm1 with reconnect" busywait 20000 grep -q /dev/cbs "$W/map-vm1.out"
DEV=$(cat "$W/map-vm1.out")
start_fio "$DEV" "$W/fio2" --offset=8M --size=24M
check "fio on vm1 is 300 writes in" busywait 120000 writes_past "$DEV" 300
check "snapshot vm1@k under fio" snap create vm1@k
cbs_stop_server
check "--fsck is clean after kill -9 under fio" cbs-server --fsck --data "$W/data"
cbs_start_server
check "server restarts" cbs_server_answers
check_here "fio on vm1 survives the kill -9 and verifies" fio_ok "$FIO_PID" "$W/fio2"
check "vm1 still reads the image where fio did not write" region_is "$DEV" 0 4 "$W/img.raw"
check_here "map c1 again" map c1
check "c1 still reads right after the restart" same_md5 "$DEV_c1" "$T_MD5"
check "unmap c1" cbs unmap "$DEV_c1"
kill "$MAP_PID"
wait "$MAP_PID" 2>/dev/null
check "unmap vm1" cbs unmap "$DEV"
kill "$CBS_SERVER_PID"
wait "$CBS_SERVER_PID" 2>/dev/null
check "--fsck is clean at the end" cbs-server --fsck --data "$W/data"

ktap_finished

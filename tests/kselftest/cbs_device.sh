#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cbs.ko against a real cbs-server on loopback: a filesystem round-trips,
# data survives unmap/remap and a server killed (-9) and restarted under
# I/O, a stale generation is fenced and fails fast, wrong tokens and busy
# unmaps are refused, a 1 TiB thin volume lives on a small tmpfs, online
# resize reaches the device, ENOSPC reaches the writer alone.
#
#   cbs-server 127.0.0.1:PORT (data on tmpfs)  <--TCP x N-->  /dev/cbsN
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server mkfs.ext4 nl_send

ktap_plan 94
load_module cbs
defer unload_module cbs

cbs_setup 17000
mkdir -p "$CBS_WORK/mnt"
defer umount "$CBS_WORK/mnt"

sectors() {
	cat "/sys/block/${1#/dev/}/size"
}

cbs_start_server
check "server starts" cbs_server_answers
# Started early so it has joined the notify group before links die.
cbs monitor >"$CBS_WORK/monitor.out" 2>&1 &
MON_PID=$!
defer kill "$MON_PID"
check "create volume" cbs_admin create vol1 size 256M token tok1
check_output "map with 2 connections" '^/dev/cbs[0-9]+$' cbs map vol1 server "$CBS_SERVER" token tok1 conns 2
DEV=$KSFT_OUT
check_output "size seen by the block layer" "^$((256 << 11))\$" sectors "$DEV"
check_output "show lists it up with 2 live links" "^$DEV: volume vol1 size 268435456 block-size 4096 generation 1 conns 2 live 2 state up" cbs show "$DEV"
check "mkfs.ext4" mkfs.ext4 -q -F "$DEV"
check "mount" mount "$DEV" "$CBS_WORK/mnt"
check "write files" sh -c "head -c 8M /dev/urandom >$CBS_WORK/mnt/a && cp $CBS_WORK/mnt/a $CBS_WORK/a.ref && mkdir $CBS_WORK/mnt/d && echo hi >$CBS_WORK/mnt/d/f && sync"
check_fail_output "unmap of a mounted device is refused" 'Device or resource busy.*open or mounted' cbs unmap "$DEV"
check "umount" umount "$CBS_WORK/mnt"
check "unmap" cbs unmap "$DEV"
check_no_match "gone from show" . cbs show
check_output "remap" '^/dev/cbs[0-9]+$' cbs map vol1 server "$CBS_SERVER" token tok1 conns 4
DEV=$KSFT_OUT
check "data survives unmap and remap" sh -c "mount $DEV $CBS_WORK/mnt && cmp $CBS_WORK/mnt/a $CBS_WORK/a.ref && grep -q hi $CBS_WORK/mnt/d/f && umount $CBS_WORK/mnt"
check_fail_output "wrong token refused" 'Permission denied|Operation not permitted|Access denied' \
	cbs map vol1 server "$CBS_SERVER" token wrong
check_fail_output "unmap of a missing device is ENOENT" 'No such file' cbs unmap cbs99

# The server dies (-9) under I/O and comes back: the writer sees no error.
check "unmap before the restart test" cbs unmap "$DEV"
cbs map vol1 server "$CBS_SERVER" token tok1 conns 2 reconnect dead-timeout 60 io-timeout 5 \
	>"$CBS_WORK/map.out" 2>"$CBS_WORK/map.err" &
MAP_PID=$!
defer kill "$MAP_PID"
check "cbs map with reconnect prints its device" busywait 10000 grep -q /dev/cbs "$CBS_WORK/map.out"
DEV=$(cat "$CBS_WORK/map.out")
head -c 32M /dev/urandom >"$CBS_WORK/b.ref"
dd if="$CBS_WORK/b.ref" of="$DEV" bs=1M oflag=direct status=none 2>"$CBS_WORK/dd.err" &
DD_PID=$!
cbs_stop_server
check "links seen dead" busywait 10000 matches 'live 0 state waiting' cbs show "$DEV"
check "cbs monitor reports the dead links" busywait 10000 grep -q "^link-dead dev $DEV conn [01] live 0" "$CBS_WORK/monitor.out"
cbs_start_server
check "server restarts" cbs_server_answers
wait "$DD_PID"
dd_status=$?
check "writer finishes without error" test "$dd_status" -eq 0 -a ! -s "$CBS_WORK/dd.err"
check "every byte arrived" cmp -n $((32 << 20)) "$DEV" "$CBS_WORK/b.ref"
check_output "links restored by cbs map reconnect" 'live 2 state up' cbs show "$DEV"

# A server that stops answering (SIGSTOP) past io-timeout (5 s): requests
# are retried, not failed, and complete once it answers again.
head -c 8M /dev/urandom >"$CBS_WORK/c.ref"
kill -STOP "$CBS_SERVER_PID"
dd if="$CBS_WORK/c.ref" of="$DEV" bs=1M seek=32 oflag=direct status=none 2>"$CBS_WORK/dd2.err" &
DD_PID=$!
check "past io-timeout the links are presumed dead" busywait 30000 \
	matches 'live 0' cbs show "$DEV"
kill -CONT "$CBS_SERVER_PID"
wait "$DD_PID"
dd_status=$?
check "the stalled writer finishes without error" test "$dd_status" -eq 0 -a ! -s "$CBS_WORK/dd2.err"
check "its data arrived" cmp -n $((8 << 20)) -i $((32 << 20)):0 "$DEV" "$CBS_WORK/c.ref"
kill "$MAP_PID"
wait "$MAP_PID" 2>/dev/null

# A newer generation takes the volume: the old device is fenced, fails fast.
check_output "map with generation 2" '^/dev/cbs[0-9]+$' cbs map vol1 server "$CBS_SERVER" token tok1 generation 2
NEWDEV=$KSFT_OUT
check_fail_output "the old device's write fails at once" 'Input/output error' \
	timeout 20 dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
check_output "the old device shows fenced" 'state fenced' cbs show "$DEV"
check_fail_output "generation 1 is refused now" 'Stale file handle' cbs map vol1 server "$CBS_SERVER" token tok1 generation 1
check "the fenced device unmaps" cbs unmap "$DEV"
check "the new owner reads the data" cmp -n $((32 << 20)) "$NEWDEV" "$CBS_WORK/b.ref"

# Online resize: grow on the server, then tell the mapped device.
check "grow the volume on the server" cbs_admin resize vol1 size 512M
check "reconfigure the device's size" cbs reconfigure "$NEWDEV" size 512M
check_output "the block layer sees the new size" "^$((512 << 11))\$" sectors "$NEWDEV"
check_fail_output "a size that is not a block multiple is refused" 'multiple of the block size' \
	cbs reconfigure "$NEWDEV" size 1000

# Thin provisioning: 1 TiB on the tmpfs that holds everything else.
check "create a 1 TiB volume" cbs_admin create big size 1T token tokb
check_output "map it" '^/dev/cbs[0-9]+$' cbs map big server "$CBS_SERVER" token tokb
BIG=$KSFT_OUT
LAST=$(((1 << 40) / 4096 - 1))
check "write its last block" sh -c "echo last-block | dd of=$BIG bs=4096 seek=$LAST conv=sync oflag=direct status=none"
# read_block DEV BLOCK: one 4 KiB block without its NULs; dd's exit status.
read_block() {
	dd if="$1" bs=4096 skip="$2" count=1 iflag=direct status=none | tr -d '\0'
	return "${PIPESTATUS[0]}"
}
check_output "read it back" 'last-block' read_block "$BIG" "$LAST"
check_output "the data directory stays small (KiB)" '^[0-9]{1,5}\s' du -sk "$CBS_WORK/data"

# Out of space: a server on a 16 MiB tmpfs, a 64 MiB volume.
mkdir -p "$CBS_WORK/small"
mount -t tmpfs -o size=16M tmpfs "$CBS_WORK/small"
defer umount "$CBS_WORK/small"
cbs-server --listen 127.0.0.1:17001 --data "$CBS_WORK/small" --admin-token "$CBS_ADMIN" \
	>>"$CBS_WORK/server2.log" 2>&1 &
defer kill -9 $!
check "a second server on a 16 MiB tmpfs answers" \
	busywait 10000 cbs volume list server 127.0.0.1:17001 admin-token "$CBS_ADMIN"
check "a 64 MiB volume on it" \
	cbs volume create tight size 64M token tokt server 127.0.0.1:17001 admin-token "$CBS_ADMIN"
check_output "map the 64 MiB volume" '^/dev/cbs[0-9]+$' cbs map tight server 127.0.0.1:17001 token tokt
TIGHT=$KSFT_OUT
check_fail_output "ENOSPC reaches the writer" 'No space left on device' \
	dd if=/dev/urandom of="$TIGHT" bs=1M count=32 oflag=direct
check_output "the device is still up" 'live 1 state up' cbs show "$TIGHT"
check "reads still work" dd if="$TIGHT" of=/dev/null bs=1M count=4 iflag=direct status=none
check "the other server's volumes are unaffected" cmp -n 4096 "$NEWDEV" "$CBS_WORK/b.ref"
check_output "-s shows counters and latency" 'errors 0.*read-latency-avg [1-9][0-9]*us write-latency-avg [0-9]+us' \
	oneline cbs -s show "$NEWDEV"

# Forced unmap of a mounted device under I/O: the I/O fails, nothing hangs.
mkfs.ext4 -q -F "$NEWDEV"
mount "$NEWDEV" "$CBS_WORK/mnt"
dd if=/dev/zero of="$CBS_WORK/mnt/fill" bs=1M count=400 oflag=direct 2>/dev/null &
DD_PID=$!
check "the writer is writing" busywait 10000 test -s "$CBS_WORK/mnt/fill"
check_fail_output "unmap without force is refused" 'busy' cbs unmap "$NEWDEV"
check "forced unmap of the mounted device" cbs unmap "$NEWDEV" force
wait "$DD_PID"
dd_status=$?
check "its writer gets an error" test "$dd_status" -ne 0
check "umount finishes (no hang)" sh -c "timeout 60 umount $CBS_WORK/mnt; test \$? -ne 124"
check_no_match "the device is gone" "^$NEWDEV:" cbs show

# 512-byte blocks, and discard reading back as zeros.
check "create a 512-byte-block volume" \
	cbs volume create b512 size 16M block-size 512 token t5 server "$CBS_SERVER" admin-token "$CBS_ADMIN"
check_output "map it with dead-timeout 3" '^/dev/cbs[0-9]+$' cbs map b512 server "$CBS_SERVER" token t5 dead-timeout 3
B512=$KSFT_OUT
check_output "a 512-byte-block volume has 512-byte logical blocks" '^512$' \
	cat "/sys/block/${B512#/dev/}/queue/logical_block_size"
check "one 512-byte sector written and read back" sh -c \
	"echo sector-one | dd of=$B512 bs=512 seek=1 conv=sync oflag=direct status=none && dd if=$B512 bs=512 skip=1 count=1 iflag=direct status=none | grep -q sector-one"
check "1 MiB of random data written" dd if=/dev/urandom of="$B512" bs=1M count=1 oflag=direct status=none
check_fail_output "it does not read as zeros" differ cmp -n 1048576 "$B512" /dev/zero
check "discard" blkdiscard -o 0 -l 1048576 "$B512"
check "discarded blocks read as zeros" cmp -n 1048576 "$B512" /dev/zero

# With no live link and no reconnect, I/O waits dead-timeout (3 s), then fails.
cbs_stop_server
check_fail_output "after the dead timeout I/O fails with EIO" 'Input/output error' \
	timeout 60 dd if="$B512" of=/dev/null bs=4k count=1 iflag=direct

# A server that is no longer the primary answers a WRITE with
# CBS_ERR_NOT_PRIMARY (EREMCHG): a dead link, not a fence.  The link is
# reset, LINK_DEAD multicast, cbs map reconnect hands in a new socket, the
# write is re-sent, and the writer sees no error.  The stand-in server
# refuses only the first WRITE it gets (and raises its epoch).
FAKE=127.0.0.1:17002
/usr/bin/python3 "$REPO/tests/kselftest/helpers/cbs_fake_primary.py" $((16 << 20)) \
	"$CBS_WORK/fake.log" "$FAKE" 2>>"$CBS_WORK/fake.err" &
defer kill $!
check "the stand-in server listens" busywait 10000 \
	bash -c "exec 3<>/dev/tcp/${FAKE%:*}/${FAKE#*:}"
cbs map fake server "$FAKE" token tokf reconnect io-timeout 5 dead-timeout 60 \
	>"$CBS_WORK/mapf.out" 2>"$CBS_WORK/mapf.err" &
MAPF_PID=$!
defer kill "$MAPF_PID"
check "cbs map reconnect maps the stand-in's volume" busywait 10000 grep -q /dev/cbs "$CBS_WORK/mapf.out"
FDEV=$(cat "$CBS_WORK/mapf.out")
head -c 4M /dev/urandom >"$CBS_WORK/f.ref"
check "a writer through a not-primary reply sees no error" \
	timeout 60 dd if="$CBS_WORK/f.ref" of="$FDEV" bs=1M oflag=direct status=none
check_output "the server did refuse a write as not primary" '^not-primary 0$' cat "$CBS_WORK/fake.log"
check "every byte arrived" cmp -n $((4 << 20)) "$FDEV" "$CBS_WORK/f.ref"
check_output "the device is not fenced and its link is back" 'live 1 state up' cbs show "$FDEV"
check "cbs monitor reports the reset link" grep -q "^link-dead dev $FDEV conn 0 live 0" "$CBS_WORK/monitor.out"
check_output "cbs map reconnect opened a second session" '^2$' grep -c '^hello 0$' "$CBS_WORK/fake.log"
check "cbs monitor reports the new epoch" grep -q "^epoch dev $FDEV volume fake epoch 2" "$CBS_WORK/monitor.out"
kill "$MAPF_PID"
wait "$MAPF_PID" 2>/dev/null
check "the stand-in's device unmaps" cbs unmap "$FDEV"

# A replica set of two stand-ins: the first refuses the hello and names the
# second, the primary of epoch 1, which cbs map picks; when the second
# answers a WRITE "not primary" (epoch 2 made the first the primary), the
# reconnect logic asks both again and moves the device to the first.
FAKE2=127.0.0.1:17003,127.0.0.1:17004
/usr/bin/python3 "$REPO/tests/kselftest/helpers/cbs_fake_primary.py" $((16 << 20)) \
	"$CBS_WORK/fake2.log" ${FAKE2/,/ } 2>>"$CBS_WORK/fake2.err" &
defer kill $!
check "both stand-ins listen" busywait 10000 \
	bash -c "exec 3<>/dev/tcp/127.0.0.1/17003 4<>/dev/tcp/127.0.0.1/17004"
cbs map fake2 server "$FAKE2" token tokf conns 2 reconnect io-timeout 5 dead-timeout 60 \
	>"$CBS_WORK/mapf2.out" 2>"$CBS_WORK/mapf2.err" &
MAPF_PID=$!
defer kill "$MAPF_PID"
check "cbs map with a server list maps" busywait 10000 grep -q /dev/cbs "$CBS_WORK/mapf2.out"
FDEV=$(cat "$CBS_WORK/mapf2.out")
# Three handshakes with the second: cbs map's probe, then one per connection.
check_output "its links went to the primary of epoch 1, the second server" '^3$' \
	grep -c '^hello 1$' "$CBS_WORK/fake2.log"
check_output "cbs -d show reports epoch 1" 'epoch 1 ' oneline cbs -d show "$FDEV"
check "a writer through the failover sees no error" \
	timeout 60 dd if="$CBS_WORK/f.ref" of="$FDEV" bs=1M oflag=direct status=none
check "every byte arrived through the new primary" cmp -n $((4 << 20)) "$FDEV" "$CBS_WORK/f.ref"
check_output "the links went to the first server" '^hello 0$' cat "$CBS_WORK/fake2.log"
check "cbs -d show reports epoch 2, links up" busywait 10000 \
	matches 'live 2 state up.*epoch 2 ' oneline cbs -d show "$FDEV"
check "cbs monitor reports epoch 2" grep -q "^epoch dev $FDEV volume fake2 epoch 2" "$CBS_WORK/monitor.out"
kill "$MAPF_PID"
wait "$MAPF_PID" 2>/dev/null
check "the replica set's device unmaps" cbs unmap "$FDEV"

# The same with real cbs-servers: three replicas, the primary killed (-9)
# under a writer, B promoted at epoch 2.  The backups refuse the reconnect's
# handshakes as not primary until the promote, then B takes it: the writer
# sees no error and every byte is there.
RS=()
for i in 0 1 2; do
	mkdir -p "$CBS_WORK/r$i"
	cbs-server --listen "127.0.0.1:1701$i" --data "$CBS_WORK/r$i" --admin-token "$CBS_ADMIN" \
		>>"$CBS_WORK/r$i.log" 2>&1 &
	RS[i]=$!
	disown "${RS[i]}"	# one is killed on purpose: no "Killed" from the shell
	defer "kill -9 ${RS[i]}"
done
SET=127.0.0.1:17010,127.0.0.1:17011,127.0.0.1:17012
check "three servers answer" busywait 10000 cbs volume list server "$SET" admin-token "$CBS_ADMIN"
check "a volume on three servers" \
	cbs volume create rv size 64M token tokr server "$SET" admin-token "$CBS_ADMIN"
cbs map rv server "$SET" token tokr conns 2 reconnect io-timeout 5 dead-timeout 60 \
	>"$CBS_WORK/mapr.out" 2>"$CBS_WORK/mapr.err" &
MAPF_PID=$!
defer "kill $MAPF_PID"
check "cbs map with the server list maps" busywait 10000 grep -q /dev/cbs "$CBS_WORK/mapr.out"
RDEV=$(cat "$CBS_WORK/mapr.out")
head -c 32M /dev/urandom >"$CBS_WORK/r.ref"
dd if="$CBS_WORK/r.ref" of="$RDEV" bs=1M oflag=direct status=none 2>"$CBS_WORK/ddr.err" &
DD_PID=$!
check "the writer is writing" busywait 10000 matches 'writes [1-9]' cbs -s show "$RDEV"
kill -9 "${RS[0]}"
check "promote B at epoch 2" \
	cbs volume promote rv epoch 2 server 127.0.0.1:17011 admin-token "$CBS_ADMIN"
wait "$DD_PID"
dd_status=$?
check "the writer through the failover sees no error" test "$dd_status" -eq 0 -a ! -s "$CBS_WORK/ddr.err"
check "every byte is on the new primary" cmp -n $((32 << 20)) "$RDEV" "$CBS_WORK/r.ref"
check "the device is at epoch 2" busywait 10000 \
	matches 'live 2 state up.*epoch 2 ' oneline cbs -d show "$RDEV"
kill "$MAPF_PID"
wait "$MAPF_PID" 2>/dev/null
check "its device unmaps" cbs unmap "$RDEV"

ktap_finished

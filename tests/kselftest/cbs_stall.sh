#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cbs.ko when the server stalls, links die under load and writes arrive
# late (issue 11), against a real cbs-server on loopback:
#
#   1. a server that stops reading for good (SIGSTOP) while 64 MiB of
#      1 MiB writes fill the TCP windows of two links: the I/O fails with
#      EIO once io-timeout + dead-timeout passed, and the device then
#      unmaps without force (no hang, no force);
#   2. a server stalled past io-timeout that resumes before dead-timeout:
#      the writer sees no error and every byte verifies;
#   3. a write whose first attempt netem holds back past io-timeout is
#      retried on a new link; newer data is written over it; the late first
#      attempt then reaches the server and must not land;
#   4. links declared dead by timeouts while RECONFIGURE replaces them, in
#      a loop, under fio with verification (slub_debug catches a link freed
#      under a timeout handler);
#   5. netlink: the size bound on MAP and RECONFIGURE, STATUS of one device
#      by index, as a do and as a dump; no I/O scheduler.
#
#   cbs-server 127.0.0.1:17200 (tmpfs)  <--TCP x N-->  /dev/cbsN
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server fio nl_send tc ss

ktap_plan 44
load_module cbs
defer unload_module cbs

PORT=17200
cbs_setup $PORT

ERANGE=34
ENOENT=2
EINVAL=22

dev_of() {
	busywait 10000 grep -q /dev/cbs "$1" && cat "$1"
}

# writes_at_least DEV N: the device completed N writes.
writes_at_least() {
	local n
	n=$(cbs -j -s show "$1" | grep -o '"writes":[0-9]*' | cut -d: -f2)
	[ -n "$n" ] && [ "$n" -ge "$2" ]
}

# A session id other than 0 in `cbs -d show DEV`.
has_session() {
	local out
	out=$(cbs -d show "$1") &&
		printf '%s\n' "$out" | grep -E -q 'session [0-9a-f]{16}' &&
		! printf '%s\n' "$out" | grep -q 'session 0000000000000000'
}

fewer_live_than() {
	local out
	out=$(cbs -j show "$1") || return 1
	out=$(printf '%s' "$out" | grep -o '"live_conns":[0-9]*' | cut -d: -f2)
	[ -n "$out" ] && [ "$out" -lt "$2" ]
}

# The bytes queued for the server on the client side of every link.
client_send_queue() {
	ss -Htn state established "( dport = :$PORT )" |
		awk '{ q += $2 } END { print q + 0 }'
}

send_queue_over() {
	[ "$(client_send_queue)" -gt "$1" ]
}

# The server's side of the link from client port $1 is gone.
server_side_closed() {
	! ss -Htna "( sport = :$PORT and dport = :$1 )" | grep -v -q TIME-WAIT
}

# fio_clean OUT: fio's report shows every job with err= 0, and no verify failure.
fio_clean() {
	grep -q 'err= 0' "$1" && ! grep -E -q 'err= *[1-9]|verify:|bad magic|mismatch' "$1"
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

cbs_start_server
defer 'kill -CONT $CBS_SERVER_PID'
check "server starts" cbs_server_answers
cbs_admin create vol size 256M token tok >/dev/null

# 1. A server stalled for good with the windows full.
DEV=$(cbs map vol server "$CBS_SERVER" token tok conns 2 io-timeout 3 dead-timeout 8)
check "map with 2 links, io-timeout 3 s, dead-timeout 8 s" test -b "$DEV"
fio --name=fill --filename="$DEV" --ioengine=libaio --direct=1 --rw=write \
	--bs=1M --iodepth=32 --numjobs=2 --offset_increment=128M --size=128M \
	--time_based --runtime=600 >"$CBS_WORK/fill.out" 2>&1 &
FIO_PID=$!
defer "kill -9 $FIO_PID"
check "fio is writing" busywait 60000 writes_at_least "$DEV" 64
kill -STOP "$CBS_SERVER_PID"
check "the stalled server's windows fill (over 1 MiB queued in the client)" \
	busywait 3000 send_queue_over 1048576
log "queued for the server: $(client_send_queue) bytes"
check "the writer ends (no hang) after io-timeout + dead-timeout" busywait 120000 gone "$FIO_PID"
wait "$FIO_PID"
check "the writer got an error" test $? -ne 0
check "the error is EIO" grep -q 'Input/output error' "$CBS_WORK/fill.out"
check "the device waits with no live link" matches 'live 0 state waiting' cbs show "$DEV"
check "it unmaps without force" cbs unmap "$DEV"
kill -CONT "$CBS_SERVER_PID"
check "the server answers again" cbs_server_answers

# 2. A stall past io-timeout that ends before dead-timeout costs nothing.
cbs map vol server "$CBS_SERVER" token tok conns 2 io-timeout 2 dead-timeout 60 reconnect \
	>"$CBS_WORK/map2.out" 2>"$CBS_WORK/map2.err" &
MAP_PID=$!
defer "kill $MAP_PID"
DEV=$(dev_of "$CBS_WORK/map2.out")
check "map with reconnect" test -b "$DEV"
fio --name=resume --filename="$DEV" --ioengine=libaio --direct=1 --rw=write \
	--bs=1M --iodepth=32 --numjobs=2 --offset_increment=128M --size=96M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
	>"$CBS_WORK/resume.out" 2>&1 &
FIO_PID=$!
defer "kill -9 $FIO_PID"
check "fio is writing" busywait 60000 writes_at_least "$DEV" 16
kill -STOP "$CBS_SERVER_PID"
check "past io-timeout both links are declared dead" busywait 30000 matches 'live 0' cbs show "$DEV"
kill -CONT "$CBS_SERVER_PID"
check "the links come back" busywait 30000 matches 'live 2 state up' cbs show "$DEV"
check "the writer finishes" busywait 120000 gone "$FIO_PID"
wait "$FIO_PID"
check "the writer saw no error, and every byte verifies" test $? -eq 0
check "fio reports no error" fio_clean "$CBS_WORK/resume.out"
kill "$MAP_PID"
wait "$MAP_PID" 2>/dev/null
check "unmap" cbs unmap "$DEV"

# 3. The late first attempt of a retried write.  netem holds back
# everything the one link sends; its write times out (io-timeout 1 s), the
# link is reset, `cbs map reconnect` brings a new one, the write's retry
# completes there, newer data follows; then the held-back bytes (the first
# attempt, then the reset) reach the server.
cbs map vol server "$CBS_SERVER" token tok conns 1 io-timeout 1 dead-timeout 60 reconnect \
	>"$CBS_WORK/map3.out" 2>"$CBS_WORK/map3.err" &
MAP_PID=$!
defer "kill $MAP_PID"
DEV=$(dev_of "$CBS_WORK/map3.out")
check "map one link with reconnect" test -b "$DEV"
CPORT=$(ss -Htn state established "( dport = :$PORT )" | awk '{ sub(/.*:/, "", $3); print $3 }')
check "its client port is known" test -n "$CPORT"
tc qdisc add dev lo root handle 1: prio
defer tc qdisc del dev lo root
tc qdisc add dev lo parent 1:3 handle 30: netem delay 6s
tc filter add dev lo parent 1: protocol ip prio 1 u32 \
	match ip sport "$CPORT" 0xffff match ip dport $PORT 0xffff flowid 1:3
head -c 4096 /dev/zero | tr '\0' A >"$CBS_WORK/A"
head -c 4096 /dev/zero | tr '\0' B >"$CBS_WORK/B"
check "write A: held back, timed out, retried on a new link" \
	dd if="$CBS_WORK/A" of="$DEV" bs=4096 count=1 oflag=direct status=none
check "the retry went out on a new link" \
	test "$(ss -Htn state established "( dport = :$PORT )" | grep -c ":$CPORT ")" -eq 0
check "write B over it" dd if="$CBS_WORK/B" of="$DEV" bs=4096 count=1 oflag=direct status=none
check "the held-back link reaches the server and is closed there" \
	busywait 30000 server_side_closed "$CPORT"
check "the block still holds B: the late attempt did not land" \
	sh -c "dd if=$DEV bs=4096 count=1 iflag=direct status=none | cmp - $CBS_WORK/B"
tc qdisc del dev lo root
kill "$MAP_PID"
wait "$MAP_PID" 2>/dev/null
check "unmap" cbs unmap "$DEV"

# 4. Timeouts and RECONFIGURE racing: the server stalls past io-timeout
# (1 s) and resumes, again and again, while cbs map reconnect replaces the
# links that the timeouts declared dead.
cbs map vol server "$CBS_SERVER" token tok conns 2 io-timeout 1 dead-timeout 60 reconnect \
	>"$CBS_WORK/map4.out" 2>"$CBS_WORK/map4.err" &
MAP_PID=$!
defer "kill $MAP_PID"
DEV=$(dev_of "$CBS_WORK/map4.out")
check "map 2 links, io-timeout 1 s, reconnect" test -b "$DEV"
fio --name=race --filename="$DEV" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=32 --size=32M --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --verify_state_save=0 --randrepeat=0 --time_based \
	--runtime=600 --verify_backlog=256 >"$CBS_WORK/race.out" 2>&1 &
FIO_PID=$!
defer "kill -9 $FIO_PID"
rounds=0
for round in 1 2 3 4 5 6 7 8; do
	kill -STOP "$CBS_SERVER_PID"
	busywait 20000 fewer_live_than "$DEV" 2 >/dev/null || break
	kill -CONT "$CBS_SERVER_PID"
	busywait 20000 matches "live 2 state up" cbs show "$DEV" >/dev/null || break
	rounds=$round
done
kill -CONT "$CBS_SERVER_PID"
log "rounds of stall, timeout and reconnect: $rounds"
check "8 rounds of links timed out and replaced" test "$rounds" -eq 8
check "fio is still running" kill -0 "$FIO_PID"
# Stopped by SIGINT, fio exits 128 whatever happened: its report tells.
kill -INT "$FIO_PID"
check "fio ends" busywait 60000 gone "$FIO_PID"
wait "$FIO_PID"
check "fio saw no error and its data verified as it went" fio_clean "$CBS_WORK/race.out"
kill "$MAP_PID"
wait "$MAP_PID" 2>/dev/null

# 5. Netlink: sizes are loff_t on RECONFIGURE as on MAP; STATUS by index.
INDEX=${DEV#/dev/cbs}
cbs_admin create other size 16M token tok2 >/dev/null
OTHER=$(cbs map other server "$CBS_SERVER" token tok2)
check "a second device" test -b "$OTHER"
check_errno "RECONFIGURE with a size of 2^63 is refused" $ERANGE \
	nl_send cbs 3 u32:1="$INDEX" u64:3=9223372036854775808
check "the size is unchanged" sh -c "cbs show $DEV | grep -q 'size 268435456 '"
check_errno "MAP with a size of 2^63 is refused" $ERANGE \
	nl_send cbs 1 str:2=vol u64:3=9223372036854775808 u32:4=4096
check_errno "STATUS of a missing device is ENOENT" $ENOENT nl_send cbs 4 u32:1=999
check_errno "STATUS without an index is EINVAL" $EINVAL nl_send cbs 4
check "STATUS of one device answers it alone" sh -c "nl_send cbs 4 u32:1=$INDEX | grep -qx 'ok 1'"
check "a STATUS dump lists both devices" sh -c "nl_send -d cbs 4 | grep -qx 'ok 2'"
check "a STATUS dump with an index lists that device alone" \
	sh -c "nl_send -d cbs 4 u32:1=$INDEX | grep -qx 'ok 1'"
check "cbs -d show gives the session cbs map chose" has_session "$DEV"
# The late-write rule is per driver tag, which only a queue without an I/O
# scheduler keeps across a request's requeues.
echo mq-deadline >"/sys/block/cbs$INDEX/queue/scheduler"
check_output "no I/O scheduler can be set (none is the only choice)" '^\[none\] *$' \
	cat "/sys/block/cbs$INDEX/queue/scheduler"
check "unmap" cbs unmap "$DEV"
check "unmap the second" cbs unmap "$OTHER"

ktap_finished

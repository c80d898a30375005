#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cbs replica sets (issue 13): three cbs-servers, each in a network
# namespace of its own behind a veth link, one volume per case on all three,
# mapped with the server list and reconnect, fio with crc32c verification
# (4k random writes, iodepth 32) running through each failure:
#
#   A. kill -9 of the primary, then `cbs volume promote` of a backup;
#   B. the primary's link cut (it is alive, cut off from its backups and
#      from the client), then promote; once its link is back the old primary
#      acknowledges nothing: a write straight to it gets "not primary";
#   C. a backup killed: the primary drops it by itself and writes go on;
#   D. a backup killed and brought back under load: it catches up and is in
#      sync again; then the primary is killed and the caught-up backup is
#      promoted: every block fio wrote reads back from it.
#
# fio verify after each failover is the "no acknowledged write lost" check;
# the device must carry fio through every failover without an I/O error.
# `cbs-server --fsck` must be clean on each killed server's data.
#
#   /dev/cbsN --TCP--> c17400r1 <-veth-> ns1: cbs-server 10.201.1.2:17400
#                      c17400r2 <-veth-> ns2: cbs-server 10.201.2.2:17400
#                      c17400r3 <-veth-> ns3: cbs-server 10.201.3.2:17400
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server fio python3

ktap_plan 52
load_module cbs
defer unload_module cbs

cbs_replicas_setup 3 17400 || exit $KSFT_FAIL
EREMCHG=78
TOK=tokr
SIZE=64M
FIO_SIZE=24M

# map_vol NAME: map NAME with the server list and reconnect; DEV, MAP_PID.
map_vol() {
	cbs map "$1" server "$CBS_SERVERS" token "$TOK" conns 2 reconnect \
		io-timeout 3 >"$CBS_WORK/map-$1.out" 2>"$CBS_WORK/map-$1.err" &
	MAP_PID=$!
	defer "kill $MAP_PID"
	busywait 20000 grep -q /dev/cbs "$CBS_WORK/map-$1.out" || return 1
	DEV=$(cat "$CBS_WORK/map-$1.out")
}

unmap_vol() {
	kill "$MAP_PID"
	wait "$MAP_PID" 2>/dev/null
	cbs unmap "$DEV"
}

# start_fio NAME [FIO OPTIONS...]: fio with crc32c verification in the
# background (FIO_PID), its terse report in $CBS_WORK/NAME, stderr in .err.
start_fio() {
	local out=$CBS_WORK/$1
	shift
	fio --name=verify --filename="$DEV" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=32 --size="$FIO_SIZE" \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
		--randrepeat=0 "$@" --output="$out" --output-format=terse \
		>/dev/null 2>"$out.err" &
	FIO_PID=$!
	defer "kill -9 $FIO_PID"
}

# fio_done NAME: fio ended with status 0 and no error in its report.
fio_done() {
	local rc
	busywait 300000 gone "$FIO_PID" >/dev/null
	wait "$FIO_PID"
	rc=$?
	cat "$CBS_WORK/$1.err"
	[ "$rc" -eq 0 ] || { echo "fio exited $rc"; return 1; }
	[ "$(cut -d';' -f5 "$CBS_WORK/$1")" = 0 ] || { echo "fio counted errors"; return 1; }
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

writes() {
	cbs -j -s show "$DEV" | grep -o '"writes":[0-9]*' | cut -d: -f2
}

reads() {
	cbs -j -s show "$DEV" | grep -o '"reads":[0-9]*' | cut -d: -f2
}

# reads_past N: the device completed more than N reads.
reads_past() {
	local r
	r=$(reads) && [ -n "$r" ] && [ "$r" -gt "$1" ]
}

# writes_past N: the device completed more than N writes.
writes_past() {
	local w
	w=$(writes) && [ -n "$w" ] && [ "$w" -gt "$1" ]
}

# more_writes N: wait until the device did N more writes than now.
more_writes() {
	local w
	w=$(writes) && [ -n "$w" ] && busywait 120000 writes_past $((w + $1))
}

# status I VOL: what server I says of VOL (`cbs -d volume list`): its line
# ("VOL size ... epoch E role R ...") and its replica set's lines
# ("    config-epoch E", "    replica ADDR role R state S epoch E lag L").
status() {
	local out
	out=$(cbs -d volume list server "${CBS_SRV[$1]}" admin-token "$CBS_ADMIN") || return 1
	printf '%s\n' "$out" | awk -v n="$2" '/^[^ ]/ { on = ($1 == n) } on'
}

# member_line I VOL J: what server I says of member J of VOL's replica set.
member_line() {
	local out
	out=$(status "$1" "$2") || return 1
	printf '%s\n' "$out" | grep -F "replica ${CBS_SRV[$3]} "
}

# config_epoch I VOL: the epoch of VOL's configuration on server I.
config_epoch() {
	local out
	out=$(status "$1" "$2") || return 1
	printf '%s\n' "$out" | sed -n 's/^ *config-epoch \([0-9]*\).*/\1/p'
}

# dropped I VOL J: server I (the primary) moved VOL to a newer epoch than
# 1 in which member J is not in sync (gone from the set, or down).
dropped() {
	local e line
	e=$(config_epoch "$1" "$2") && [ -n "$e" ] && [ "$e" -gt 1 ] || return 1
	line=$(member_line "$1" "$2" "$3")
	echo "epoch $e; member $3: ${line:-not in the set}"
	! printf '%s\n' "$line" | grep -q 'state in-sync'
}

# write_refused I VOL: a write straight to server I (a volume session of
# VOL, as the client) is answered "not primary" (EREMCHG), never acknowledged.
write_refused() {
	CBS_CLIENT_DIR=$REPO/tests/host PYTHONDONTWRITEBYTECODE=1 python3 - "${CBS_SRV[$1]}" "$2" "$TOK" "$EREMCHG" <<-'EOF'
	import os, sys
	sys.path.insert(0, os.environ["CBS_CLIENT_DIR"])
	import cbs_client as c
	addr, name, token, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
	s = c.Session(addr, name, token, 1)
	if s.error:
	    print("hello: error %d" % s.error)
	    sys.exit(0 if s.error == want else 1)
	s.sock.settimeout(20)
	err, _ = s.call(c.OP_WRITE, 0, 4096, b"\xee" * 4096, c.F_FUA)
	print("write: error %d" % err)
	sys.exit(0 if err == want else 1)
	EOF
}

for i in 1 2 3; do
	cbs_start "$i"
done
for i in 1 2 3; do
	check "server $i starts in its namespace" cbs_answers "$i"
done

log "at ${SECONDS} s"
# A. kill -9 of the primary, then promote.
check "create rA on three servers" cbs volume create rA size $SIZE server "$CBS_SERVERS" \
	admin-token "$CBS_ADMIN" token "$TOK"
check_output "server 1 is rA's primary at epoch 1" 'role primary .*epoch 1 ' member_line 1 rA 1
check_here "map rA with the server list and reconnect" map_vol rA
start_fio fioA
check "A: fio is 1000 writes in" busywait 120000 writes_past 1000
cbs_kill 1
check "A: fio still runs after kill -9 of the primary" kill -0 "$FIO_PID"
check "A: promote server 2 at epoch 2" cbs volume promote rA epoch 2 \
	server "${CBS_SRV[2]}" admin-token "$CBS_ADMIN"
check_here "A: fio goes on through the failover and every block verifies" fio_done fioA
check_output "A: server 2 is primary at epoch 2" 'role primary .*epoch 2 ' member_line 2 rA 2
check "A: --fsck is clean on the killed primary's data" cbs_fsck 1
check "A: unmap" unmap_vol
cbs_start 1
check "A: server 1 restarts" cbs_answers 1

log "at ${SECONDS} s"
# B. the primary's link cut, then promote.
check "create rB on three servers" cbs volume create rB size $SIZE server "$CBS_SERVERS" \
	admin-token "$CBS_ADMIN" token "$TOK"
check_here "map rB" map_vol rB
start_fio fioB
check "B: fio is 1000 writes in" busywait 120000 writes_past 1000
cbs_cut 1
check "B: fio still runs with the primary cut off" kill -0 "$FIO_PID"
check "B: promote server 2 at epoch 2 (2 and 3 are a majority)" cbs volume promote rB \
	epoch 2 server "${CBS_SRV[2]}" admin-token "$CBS_ADMIN"
check_here "B: fio goes on through the failover and every block verifies" fio_done fioB
cbs_heal 1
check "B: server 1 answers again once its link is back" cbs_answers 1
check "B: the old primary acknowledges no write after epoch 2 (EREMCHG)" \
	busywait 30000 write_refused 1 rB
check "B: unmap" unmap_vol

log "at ${SECONDS} s"
# C. a backup killed with three replicas: the primary drops it.
check "create rC on three servers" cbs volume create rC size $SIZE server "$CBS_SERVERS" \
	admin-token "$CBS_ADMIN" token "$TOK"
check_here "map rC" map_vol rC
start_fio fioC
check "C: fio is 1000 writes in" busywait 120000 writes_past 1000
cbs_kill 3
check "C: writes go on without the killed backup" more_writes 1000
check_here "C: fio completes and every block verifies" fio_done fioC
check "C: the primary dropped server 3 by an epoch bump" busywait 20000 dropped 1 rC 3
check "C: --fsck is clean on the killed backup's data" cbs_fsck 3
check "C: unmap" unmap_vol
cbs_start 3
check "C: server 3 restarts" cbs_answers 3

log "at ${SECONDS} s"
# D. a backup killed and brought back under load, resync, then the primary
# killed and the caught-up backup promoted.
check "create rD on three servers" cbs volume create rD size $SIZE server "$CBS_SERVERS" \
	admin-token "$CBS_ADMIN" token "$TOK"
check_here "map rD" map_vol rD
start_fio fioD --randseed=4242
check "D: fio is 500 writes in" busywait 120000 writes_past 500
cbs_kill 3
check "D: writes go on without backup 3" more_writes 500
check "D: --fsck is clean on the killed backup's data" cbs_fsck 3
cbs_start 3
check "D: server 3 restarts under load" cbs_answers 3
# What the primary says of server 3 while it comes back, until in sync.
(
	while kill -0 "$FIO_PID" 2>/dev/null; do
		member_line 1 rD 3 2>&1
		sleep 0.1
	done
) >"$CBS_WORK/resync.log" &
check "D: the primary takes server 3 back in sync" \
	busywait 180000 matches 'state in-sync' member_line 1 rD 3
check_here "D: fio completes through the resync and every block verifies" fio_done fioD
log "server 3 as the primary saw it: $(sort "$CBS_WORK/resync.log" | uniq -c | tr '\n' ';')"
check "D: cbs -d volume list showed server 3 catching up, with a lag, before in sync" \
	grep -q 'state catching-up .*lag [1-9]' "$CBS_WORK/resync.log"
check_output "D: lag 0 once in sync" 'lag 0([^0-9]|$)' member_line 1 rD 3
# The same blocks, read back after the failover from the caught-up backup.
reads_before=$(reads)
start_fio fioD2 --randseed=4242 --verify_only
check "D: the verify pass is 500 reads in" busywait 120000 reads_past $((reads_before + 500))
cbs_kill 1
check "D: promote the caught-up server 3 at epoch 20" cbs volume promote rD epoch 20 \
	server "${CBS_SRV[3]}" admin-token "$CBS_ADMIN"
check_here "D: every block fio wrote verifies on server 3 after the failover" fio_done fioD2
check_output "D: server 3 is primary at epoch 20" 'role primary .*epoch 20 ' member_line 3 rD 3
check "D: --fsck is clean on the killed primary's data" cbs_fsck 1
check "D: unmap" unmap_vol

# The end: every server stopped, every data directory clean.
cbs_kill_all_servers
for i in 1 2 3; do
	check "--fsck is clean on server $i's data at the end" cbs_fsck "$i"
done
check "no device left" sh -c '! ls -d /sys/block/cbs* 2>/dev/null'

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The cbs command's replica-set, snapshot and image commands on the host, no
# VM: three cbs-servers on 127.0.0.1 (ports chosen by the kernel), each with
# its own data directory and the same admin token.  Bad command lines fail
# with a clear error and change nothing; a create that fails midway deletes
# what it made.  TAP output; exits non-zero if any case fails.
#
#   cbs --admin--> 127.0.0.1:P0  127.0.0.1:P1  127.0.0.1:P2
#                  (A: primary)  (B)           (C)
# The checks are the kselftests' (tests/kselftest/lib.sh), run on the host.
. "$(dirname "$0")/../kselftest/lib.sh"
BIN=${BIN:-$REPO/build/bin}
export PATH="$BIN:$PATH"
require_cmd cbs cbs-server python3
ADMIN=admin-$RANDOM$RANDOM
tmp=$(mktemp -d)
defer rm -rf "$tmp"
pids=()

# start_server I: server I on its own directory; its address in srv[I].
start_server() {
	mkdir -p "$tmp/d$1"
	: >"$tmp/log$1"
	"$BIN/cbs-server" --listen 127.0.0.1:0 --data "$tmp/d$1" --admin-token "$ADMIN" \
		2>>"$tmp/log$1" &
	pids[$1]=$!
	disown "${pids[$1]}"	# killed on purpose: no "Killed" from the shell
	defer "kill -9 ${pids[$1]}"
	busywait 10000 grep -q 'listening on' "$tmp/log$1" || return 1
	srv[$1]=127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log$1")
}

# on I: the arguments that name server I and its admin token.
on() {
	echo server "${srv[$1]}" admin-token "$ADMIN"
}

# unchanged: every server lists exactly the volumes it listed at the last snap_lists.
snap_lists() {
	local i
	for i in 0 1 2; do
		cbs volume list server "${srv[$i]}" admin-token "$ADMIN" | sed 1d >"$tmp/list$i"
	done
}
unchanged() {
	local i
	for i in 0 1 2; do
		cbs volume list server "${srv[$i]}" admin-token "$ADMIN" | sed 1d |
			cmp -s - "$tmp/list$i" || return 1
	done
}

ktap_plan 51

check_here "three servers start" eval 'start_server 0 && start_server 1 && start_server 2'
ALL=${srv[0]},${srv[1]},${srv[2]}
adm=(admin-token "$ADMIN")

snap_lists

# Bad command lines: exit 1, the argument named, nothing changed anywhere.
check_fail_output "a server listed twice" 'argument ".*" is wrong: a server is listed twice' \
	cbs volume create x size 1G server "${srv[0]},${srv[0]}" "${adm[@]}"
check_fail_output "four servers" 'at most 3 servers' \
	cbs volume create x size 1G server "$ALL,127.0.0.1:9" "${adm[@]}"
check_fail_output "an empty member" 'want ADDR:PORT' \
	cbs volume create x size 1G server "${srv[0]},,${srv[1]}" "${adm[@]}"
check_fail_output "epoch 0" 'argument "0" is wrong: an epoch is 1 or more' \
	cbs volume promote x epoch 0 server "${srv[1]}" "${adm[@]}"
check_fail_output "promote without an epoch" '"epoch EPOCH" is required' \
	cbs volume promote x server "${srv[1]}" "${adm[@]}"
check_fail_output "promote talks to one server" 'talks to one server' \
	cbs volume promote x epoch 2 server "$ALL" "${adm[@]}"
check_fail_output "set-replicas without replicas" '"replicas .*" is required' \
	cbs volume set-replicas x epoch 2 server "${srv[0]}" "${adm[@]}"
check_fail_output "force is not a create argument" 'argument "force" .*unknown' \
	cbs volume create x size 1G force server "${srv[0]}" "${adm[@]}"
check_fail_output "a snapshot needs VOLUME@SNAP" 'argument "x" is wrong: want VOLUME@SNAP' \
	cbs snapshot create x server "$ALL" "${adm[@]}"
check_fail_output "a bad snapshot name" 'argument "x@.a" is wrong' \
	cbs snapshot delete x@.a server "$ALL" "${adm[@]}"
check_fail_output "clone needs a name" 'VOLUME@SNAP and a NAME' \
	cbs volume clone x@s server "$ALL" "${adm[@]}"
check_fail_output "rollback needs VOLUME@SNAP" 'want VOLUME@SNAP' \
	cbs volume rollback x server "$ALL" "${adm[@]}"
check_fail_output "image import of a missing file" 'argument ".*/nofile" is wrong: No such file' \
	cbs image import img "$tmp/nofile" server "$ALL" "${adm[@]}"
: >"$tmp/empty"
check_fail_output "image import of an empty file" 'not a regular file with data' \
	cbs image import img "$tmp/empty" server "$ALL" "${adm[@]}"
check_fail_output "snapshot: unknown argument" 'argument "bogus" is unknown here, try "cbs snapshot help"' \
	cbs snapshot list x bogus 1 server "$ALL" "${adm[@]}"
check_fail_output "an unknown object" 'is unknown' cbs snapshots
check "nothing changed on any server" unchanged

# A create that fails midway deletes what it made.
cbs volume create taken size 1M token t server "${srv[1]}" "${adm[@]}" >/dev/null
check_fail_output "create where the second server has the volume: EEXIST named" \
	"create volume \"taken\" on ${srv[1]}: File exists" \
	cbs volume create taken size 1M token t server "$ALL" "${adm[@]}"
check_no_match "the first server's new volume is deleted again" '^taken ' cbs volume list $(on 0)
check_output "the second server's own volume stays" '^taken ' cbs volume list $(on 1)
kill -9 "${pids[2]}"
busywait 10000 eval "! kill -0 ${pids[2]} 2>/dev/null"
check_fail_output "create with the third server down" "with ${srv[2]}: Connection refused" \
	cbs volume create v3 size 1M token t server "$ALL" "${adm[@]}"
check_no_match "no volume left behind" '^v3 ' cbs volume list server "${srv[0]},${srv[1]}" "${adm[@]}"
check_fail_output "snapshot create with no server knowing the volume" 'No such file|Connection refused|Invalid argument|not supported' \
	cbs snapshot create nosuch@s server "${srv[2]}" "${adm[@]}"
check_here "the third server restarts" start_server 2
ALL=${srv[0]},${srv[1]},${srv[2]}

# One server: today's behaviour (CREATE only, standalone).
check "create on one server" cbs volume create solo size 1M token t server "${srv[0]}" "${adm[@]}"
check_output "list shows it standalone: epoch 0, primary" '^solo .* epoch 0 role primary' \
	cbs volume list $(on 0)

# A replica set of three.
check "create a volume on three servers" \
	cbs volume create rv size 16M token rt server "$ALL" "${adm[@]}"
check_output "list -d: A primary, B and C backups, epoch 1" \
	"replica ${srv[0]} role primary .* replica ${srv[1]} role backup .* replica ${srv[2]} role backup" \
	oneline cbs -d volume list $(on 0)
check "list -d -j has the replica set" \
	eval "cbs -j -d volume list $(on 1) | python3 -c '
import json, sys
v = [o for o in json.load(sys.stdin) if o.get(\"name\") == \"rv\"][0]
assert v[\"config_epoch\"] == 1 and len(v[\"replicas\"]) == 3, v'"
check "promote B at epoch 2" \
	cbs volume promote rv epoch 2 $(on 1)
check_output "B is the primary now" '^rv .* epoch 2 role primary' \
	cbs volume list $(on 1)
check_output "promote with force says what it risks" 'two primaries may' \
	cbs volume promote rv epoch 3 $(on 1) force
check "set-replicas through B: B and C at epoch 4" \
	cbs volume set-replicas rv replicas "${srv[1]},${srv[2]}" epoch 4 $(on 1)
check_no_match "A is out of the set" "replica ${srv[0]} " \
	cbs -d volume list $(on 1)
check "snapshot create on the set finds its primary, B" \
	cbs snapshot create rv@s1 server "$ALL" "${adm[@]}"
check_output "B has the snapshot" '^rv@s1 created' \
	cbs snapshot list rv $(on 1)

# Snapshots and images.
check "snapshot create (to the primary)" \
	cbs snapshot create solo@s1 $(on 0)
check_output "snapshot list" '^solo@s1 created' \
	cbs snapshot list solo $(on 0)
check "clone a snapshot" \
	cbs volume clone solo@s1 solo-c token ct $(on 0)
check_output "the clone lists its parent" '^solo-c .* parent solo@s1' \
	cbs volume list $(on 0)
# A volume session held open, as a mapped device holds it.
python3 - "${srv[0]}" >"$tmp/session.out" 2>&1 <<-'PY' &
	import sys, time
	sys.path.insert(0, "tests/host")
	import cbs_client
	s = cbs_client.open_ok(sys.argv[1], "solo", "t", 1)
	print("open", flush=True)
	time.sleep(60)
	PY
SESSION_PID=$!
defer "kill $SESSION_PID"
busywait 10000 grep -q open "$tmp/session.out"
check_fail_output "rollback while mapped: EBUSY, said clearly" \
	'Device or resource busy: the volume is mapped' \
	cbs volume rollback solo@s1 $(on 0)
kill "$SESSION_PID"
{ wait "$SESSION_PID"; } 2>/dev/null
check "rollback once unmapped" \
	busywait 10000 cbs volume rollback solo@s1 $(on 0)
head -c 300000 /dev/urandom >"$tmp/img"
check_output "image import: volume and protected snapshot" \
	'^img snapshot img@image size 303104 written 303104 token' \
	cbs image import img "$tmp/img" $(on 0)
check_output "the image's snapshot is protected" '^img@image .* protected' \
	cbs snapshot list img $(on 0)

# An image on the replica set, a clone of it on every member; its protected
# snapshot cannot be deleted, and the refusal keeps every copy.
check_output "image import on the set" '^rimg snapshot rimg@image' \
	cbs image import rimg "$tmp/img" server "$ALL" "${adm[@]}"
check "clone it on the set" \
	cbs volume clone rimg@image rvm token rt server "$ALL" "${adm[@]}"
check_output "every member has the clone" '^rvm .*parent rimg@image' \
	cbs volume list server "${srv[2]}" "${adm[@]}"
check_fail_output "the image's snapshot is not deleted" 'Device or resource busy' \
	cbs snapshot delete rimg@image server "$ALL" "${adm[@]}"
check_output "the last member still has it" '^rimg@image created' \
	cbs snapshot list rimg $(on 2)
check_output "a backup's copy of the image's snapshot is protected" \
	'^rimg@image .* protected' cbs snapshot list rimg $(on 2)

ktap_finished

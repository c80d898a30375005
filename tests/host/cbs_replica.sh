#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replica sets on the host, no VM: three cbs-servers on 127.0.0.1 (ports
# chosen by the kernel at the first start, kept across restarts), each with
# its own data directory, driven by tests/host/cbs_client.py.  TAP output;
# exits non-zero if any case fails.
#
#                    /-- TCP --> cbs-server A --> $tmp/a/vol.vol, .meta, .replica
#   cbs_client.py --+--- TCP --> cbs-server B --> $tmp/b/...
#                    \-- TCP --> cbs-server C --> $tmp/c/...
#   (the primary's replica sessions go A -> B, A -> C)
cd "$(dirname "$0")/../.." || exit 1

BIN=${BIN:-build/bin}
CLIENT=tests/host/cbs_client.py
ADMIN=admin-$RANDOM$RANDOM
TOKEN=vol-secret
MIB=1048576
SIZE=$((256 * MIB))
n=0
failed=0

[ -x "$BIN/cbs-server" ] || { echo "$BIN/cbs-server not built (make userspace)" >&2; exit 4; }
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 4; }

tmp=$(mktemp -d)
declare -A pid port
cleanup() {
	local s
	for s in "${!pid[@]}"; do
		[ -n "${pid[$s]}" ] && kill -9 "${pid[$s]}" 2>/dev/null
	done
	[ -n "$CBS_TEST_KEEP" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	[ -s "$tmp/out" ] && sed 's/^/# /' "$tmp/out"
}

# check NAME CMD...: CMD must succeed.
check() {
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else not_ok "$name"; fi
}

busywait() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge "$end" ] && return 1
		sleep 0.05
	done
}

# start S: server S (a, b or c) on its data directory; the port of its
# first start is kept, since it is its address in the configurations.
start() {
	local s=$1 listen=127.0.0.1:${port[$1]:-0}
	mkdir -p "$tmp/$s"
	# The log of the last run, kept whole in log.S.
	[ -f "$tmp/log.$s.new" ] && cat "$tmp/log.$s.new" >>"$tmp/log.$s"
	: >"$tmp/log.$s.new"
	"$BIN/cbs-server" --listen "$listen" --data "$tmp/$s" --admin-token "$ADMIN" \
		--replica-timeout 4 --resync-rate 64M 2>>"$tmp/log.$s.new" &
	pid[$s]=$!
	busywait 10 grep -q 'listening on' "$tmp/log.$s.new" || return 1
	port[$s]=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log.$s.new")
}

kill9() {
	kill -9 "${pid[$1]}"
	wait "${pid[$1]}" 2>/dev/null
	pid[$1]=
}

addr() {
	echo "127.0.0.1:${port[$1]}"
}

c() {
	python3 "$CLIENT" "$@"
}

# On server S: admin ops, volume I/O.
create() { c create "$(addr "$1")" "$ADMIN" vol "$SIZE" "$TOKEN"; }
config() { c config "$(addr "$1")" "$ADMIN" vol "${@:2}"; }
promote() { c promote "$(addr "$1")" "$ADMIN" vol "${@:2}"; }
status() { c status "$(addr "$1")" "$ADMIN" vol; }
put() { c put "$(addr "$1")" vol "$TOKEN" 1 "${@:2}"; }
get() { c get "$(addr "$1")" vol "$TOKEN" 1 "${@:2}"; }

# same_data S T...: the volume's first MiBs read the same on every server
# (each reads its own copy: a backup through a replica session).
same_data() {
	local s=$1 t want
	shift
	want=$(c digest "$(addr "$s")" "$ADMIN" vol "$TOKEN" $((16 * MIB))) || return 1
	for t in "$@"; do
		[ "$(c digest "$(addr "$t")" "$ADMIN" vol "$TOKEN" $((16 * MIB)))" = "$want" ] ||
			return 1
	done
}

# status_has S REGEX: S's STATUS matches.
status_has() {
	status "$1" >"$tmp/status" && grep -q -E "$2" "$tmp/status"
}

echo "TAP version 13"
echo "1..29"

check "three servers start" eval 'start a && start b && start c'
members=$(addr a),$(addr b),$(addr c)

setup() {
	create a && create b && create c &&
		config a 1 0 0 "$members" && config b 1 1 0 "$members" &&
		config c 1 2 0 "$members"
}
check "volume created on three servers, epoch 1 recorded, A primary" setup
check "STATUS: epoch 1, A primary, B and C backups in sync" \
	status_has b "^ok epoch 1 count 3 self 1 primary 0 \| $(addr a) primary in-sync .*$(addr b) backup in-sync .*$(addr c) backup in-sync"

check "a client on a backup: EREMCHG, with the epoch and the primary's address" \
	eval "c hello $(addr b) vol $TOKEN 1 --expect EREMCHG | grep -q 'epoch 1 primary $(addr a)'"

writes() {
	put a 0 1 65536 && put a $MIB 2 $((2 * MIB)) fua &&
		put a $((8 * MIB)) 3 $((4 * MIB)) && get a $MIB 2 $((2 * MIB))
}
check "writes through the primary (small, FUA, 4 MiB) are acknowledged and read back" writes
check "every server's data file has the same data" same_data a b c

# Bad payloads change nothing: stale epochs, a bad index, a bad member.
bad_config() {
	config b 1 1 0 "$members" --expect ESTALE &&
		config b 0 1 0 "$members" --expect EINVAL &&
		config b 5 3 0 "$members" --expect EINVAL &&
		config b 5 0 0 "$(addr a),$(addr a)" --expect EINVAL &&
		config b 5 0 0 "no-port" --expect EINVAL &&
		c config "$(addr b)" "$ADMIN" nosuch 5 0 0 "$members" --expect ENOENT &&
		promote b 1 --expect ESTALE &&
		c raw "$(addr b)" "$ADMIN" 21 00 --expect EINVAL &&
		status_has b "^ok epoch 1 count 3 self 1 primary 0 "
}
check "bad CONFIG and PROMOTE payloads are refused and change nothing" bad_config

promote_b() {
	promote b 2 && status_has b "^ok epoch 2 count 3 self 0 primary 0 \| $(addr b) primary" &&
		status_has a "^ok epoch 2 .* $(addr b) primary" &&
		status_has c "^ok epoch 2 .* $(addr b) primary"
}
check "promote B with all members answering: epoch 2 recorded on all three" promote_b
check "the old primary refuses writes now (EREMCHG)" put a 0 9 4096 --expect EREMCHG
old_session() {
	# A session opened on A before the promotion is refused too.
	c hello "$(addr a)" vol "$TOKEN" 1 --expect EREMCHG | grep -q "epoch 2 primary $(addr b)"
}
check "a hello to the old primary names the new one" old_session
check "writes through the new primary reach all three" \
	eval "put b $((4 * MIB)) 4 $MIB && same_data b a c"

# A write that reached one backup only (its primary died before the others
# had it, so no client had its acknowledgement): the new primary copies the
# regions in flight anywhere from itself to all, and they are the same again.
in_flight() {
	c rput "$(addr c)" "$ADMIN" vol 2 1 $((3 * MIB)) 40 $((64 * 1024)) &&
		! same_data b c &&
		promote a 3 && status_has a "^ok epoch 3 count 3 self 0 primary 0" &&
		same_data a b c
}
check "promote after a write that reached one backup only: its region is copied to all" in_flight
check "B, no longer primary, refuses writes; A takes them" \
	eval "put b 0 9 4096 --expect EREMCHG && put a $((4 * MIB)) 4 $MIB && same_data a b c"

# Kill a backup with three replicas: A drops it by itself, writes go on.
dropped() {
	kill9 c &&
		put a $((5 * MIB)) 5 $MIB && put a $((6 * MIB)) 6 4096 &&
		status_has a "^ok epoch 4 count 3 self 0 primary 0 \| $(addr a) primary in-sync .*\| $(addr b) backup in-sync .*\| $(addr c) stale down" &&
		status_has b "^ok epoch 4 count 2 "
}
check "a backup killed (3 replicas): the primary drops it at epoch 4, writes go on" dropped
check "the two left have the same data" same_data a b

# The primary dies too, and C, dropped at epoch 4, comes back knowing epoch
# 3 only: B's vote with C would be a majority of epoch 3's members, but B
# knows epoch 4, whose writes C lacks.  Refused, and nothing changes.
stale_promote() {
	kill9 a && start c || return 1
	promote c 20 --expect ESTALE && grep -q 'newer than this server' "$tmp/log.c.new" &&
		status_has c "^ok epoch 3 " && status_has b "^ok epoch 4 " &&
		put c 0 10 4096 --expect EREMCHG && kill9 c && start a
}
check "a dropped backup back after the primary died: its promote is refused (ESTALE)" stale_promote

# C comes back: A copies what it missed (the absent map) while writes go
# on, then takes it back in with an epoch bump.
caught_up() {
	put a $((12 * MIB)) 20 $((2 * MIB)) && start c || return 1
	put a $((13 * MIB)) 21 $MIB &&
		busywait 20 status_has a "^ok epoch 5 count 3 .*\| $(addr c) backup in-sync" &&
		put a $((14 * MIB)) 22 $MIB && same_data a b c
}
check "C back: it catches up while writes go on and rejoins at epoch 5, data identical" caught_up

# Two replicas: a dead backup stalls writes; promote needs the majority.
stall() {
	kill9 c && put a $((15 * MIB)) 23 4096 && kill9 b || return 1
	put a $((7 * MIB)) 7 4096 &
	local w=$!
	sleep 3
	kill -0 $w || return 1		# still waiting for B
	start b || return 1
	wait $w
}
check "two replicas left: with the backup dead a write waits, and completes when it returns" stall

no_majority() {
	kill9 a &&
		promote b 7 --expect EHOSTDOWN &&
		status_has b "^ok epoch 6 .* $(addr a) primary" &&
		put b 0 10 4096 --expect EREMCHG
}
check "promote without a majority (1 of 2) is refused (EHOSTDOWN), nothing changes" no_majority
forced() {
	promote b 7 force && status_has b "^ok epoch 7 count [0-9] self 0 primary 0" &&
		grep -q 'FORCED' "$tmp/log.b.new" &&
		put b $((9 * MIB)) 11 4096 && get b $((7 * MIB)) 7 4096
}
check "promote force: B alone at epoch 7, logs the risk, has every acknowledged write" forced

old_primary() {
	start a || return 1
	# A still thinks it is primary of epoch 6, but its backup B knows 7.
	put a 0 12 4096 --expect EREMCHG
}
check "the old primary back: its write is refused, its backup knows a newer epoch" old_primary
rejoin() {
	busywait 20 status_has b "^ok epoch 8 count 2 self 0 primary 0 .*\| $(addr a) backup in-sync" &&
		status_has a "^ok epoch 8 count 2 self 1 primary 0" && same_data b a
}
check "B copies everything to A (it missed an unknown part), A rejoins as a backup at 8" rejoin

set_replicas() {
	start c && c set-replicas "$(addr b)" "$ADMIN" vol 9 "$(addr b),$(addr a),$(addr c)" &&
		busywait 20 status_has b "^ok epoch 10 count 3 .*\| $(addr c) backup in-sync" &&
		put b $((10 * MIB)) 13 $MIB && same_data b a c
}
check "SET_REPLICAS adds C: a full copy, then it joins at epoch 10" set_replicas

snapshot() {
	c snap "$(addr b)" "$ADMIN" vol s1 && put b 0 30 4096 &&
		for s in a b c; do
			c snaps "$(addr $s)" "$ADMIN" vol | grep -q '^ok s1$' || return 1
		done
	c snap "$(addr a)" "$ADMIN" vol s2 --expect EREMCHG &&
		c snaps "$(addr a)" "$ADMIN" vol | grep -q '^ok s1$'
}
check "a snapshot taken on the primary is taken on every backup; not on a backup" snapshot
check "after the snapshot, writes still reach all three" \
	eval "put b $((2 * MIB)) 31 $MIB && same_data b a c"

restart_keeps() {
	kill9 b && start b && status_has b "^ok epoch 10 count 3 self 0 primary 0" &&
		put b $((11 * MIB)) 14 4096 && c hello "$(addr a)" vol "$TOKEN" 1 --expect EREMCHG
}
check "the configuration survives kill -9 of the primary" restart_keeps

list_roles() {
	python3 - "$(addr a)" "$(addr b)" "$ADMIN" <<'EOF'
import struct, sys
sys.path.insert(0, "tests/host")
import cbs_client as cc
for addr, role in ((sys.argv[1], 1), (sys.argv[2], 0)):
    a = cc.Admin(addr, sys.argv[3])
    err, data = a.call(cc.OP_LIST)
    assert err == 0, err
    e = data[24:24 + 240]
    epoch, r = struct.unpack_from("<QI", e, 64 + 8 * 3 + 8)
    assert e[:3] == b"vol" and epoch == 10 and r == role, (addr, epoch, r)
EOF
}
check "LIST shows each volume's epoch and this server's role" list_roles

outside_bump() {
	c set-replicas "$(addr b)" "$ADMIN" vol 11 "$(addr b),$(addr a)" &&
		status_has b "^ok epoch 11 count 2 " && kill9 a || return 1
	put b $((8 * MIB)) 32 4096 &
	local w=$!
	sleep 3
	kill -0 $w || return 1		# waiting for A
	c set-replicas "$(addr b)" "$ADMIN" vol 12 "$(addr b)" --expect EHOSTDOWN &&
		c set-replicas "$(addr b)" "$ADMIN" vol 12 "$(addr b)" force || return 1
	wait $w && status_has b "^ok epoch 12 count 1 " && get b $((8 * MIB)) 32 4096
}
check "two replicas, one dead: the write waits for an epoch bump from outside (SET_REPLICAS force)" \
	outside_bump

if grep -q -F -e "$ADMIN" -e "$TOKEN" "$tmp"/log.*; then
	not_ok "no token in the servers' logs"
else
	ok "no token in the servers' logs"
fi

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]

# SPDX-License-Identifier: GPL-2.0
# QoS helpers for vpc.ko tests, sourced after lib.sh and vpc_topo.sh: the
# port classes of the HTB trees (Documentation/vpc.md, "QoS"), their byte
# counters, rates measured over a window, and TCP streams to load them.
# Needs $W, a scratch directory.
#
# tc(8) of iproute2 6.1 prints no JSON for `class show` (-j is ignored), so
# the counters are read from the text: "class htb 7670:10 ..." then
# " Sent BYTES bytes PKTS pkt (dropped D, overlimits O requeues R)".

# qos_class HVNS PORT: the port's class as tc prints it (7670:10), from
# the qos_class of `vpc -d -j port show` (a number or already "7670:10").
qos_class() {
	local v
	v=$(vpc -n "$1" -d -j port show dev "$2" | jq -r '.[0].qos_class // empty') || return 1
	case $v in
	'' | null) echo "port $2 has no qos-class"; return 1 ;;
	*:*) echo "$v" ;;
	*) printf '%x:%x\n' $((v >> 16)) $((v & 0xffff)) ;;
	esac
}

# qos_prio CLASS: the skb->priority (TC handle) of a class 7670:10, 0x76700010.
qos_prio() {
	printf '0x%04x%04x\n' "0x${1%:*}" "0x${1#*:}"
}

# qos_classes NS DEV: the classes of DEV's tree, "HANDLE BYTES PKTS DROPS"
# a line; fails when DEV has no HTB tree.
qos_classes() {
	local out
	out=$(ip netns exec "$1" tc -s class show dev "$2") || return 1
	awk '$1 == "class" && $2 == "htb" { h = $3 }
	     $1 == "Sent" && h != "" { d = $7; sub(",", "", d); print h, $2, $4, d; h = "" }' <<<"$out"
}

# qos_port_classes NS DEV: how many port classes (minor >= 0x10) DEV has.
qos_port_classes() {
	local out
	out=$(ip netns exec "$1" tc class show dev "$2") || return 1
	awk '$1 == "class" && $2 == "htb" && $3 ~ /^7670:/ &&
	     $3 != "7670:1" && $3 != "7670:2" { n++ }
	     END { print n + 0 }' <<<"$out"
}

# qos_bytes NS DEV CLASS: the bytes CLASS has sent.
qos_bytes() {
	local out
	out=$(qos_classes "$1" "$2") || return 1
	awk -v c="$3" '$1 == c { print $2; f = 1 } END { exit !f }' <<<"$out"
}

# qos_tree NS DEV: the tree's qdisc and classes without statistics, for
# comparing before and after a refused change.
qos_tree() {
	ip netns exec "$1" tc -d qdisc show dev "$2" &&
	ip netns exec "$1" tc -d class show dev "$2" | sort
}

# qos_sent_at_least NS DEV CLASS BYTES: CLASS has sent at least BYTES.
qos_sent_at_least() {
	local b
	b=$(qos_bytes "$1" "$2" "$3") || { echo "no class $3 on $2"; return 1; }
	echo "$2 $3: $b bytes"
	[ "$b" -ge "$4" ]
}

# qos_snap SPEC...: one line per counter, "KEY BYTES NANOSECONDS", the time
# taken (bash's clock, no process) just after the counter was read: starting
# `ip netns exec tc` takes up to a second on a loaded TCG VM, the read is at
# its end, and a time taken before it made one window 14% too fast.  SPEC
# is tc:NS:DEV:LABEL for every class of DEV's tree (keys LABEL/7670:10), or
# rx:NS:DEV:LABEL for the bytes DEV has received (key LABEL).
qos_snap() {
	local spec kind ns dev label t out
	for spec in "$@"; do
		IFS=: read -r kind ns dev label <<<"$spec"
		case $kind in
		tc)
			out=$(ip netns exec "$ns" tc -s class show dev "$dev") || return 1
			t=${EPOCHREALTIME/./}000
			awk -v l="$label" -v t="$t" '$1 == "class" && $2 == "htb" { h = $3 }
				$1 == "Sent" && h != "" { print l "/" h, $2, t; h = "" }' <<<"$out"
			;;
		rx)
			out=$(ip netns exec "$ns" cat "/sys/class/net/$dev/statistics/rx_bytes") || return 1
			t=${EPOCHREALTIME/./}000
			echo "$label $out $t"
			;;
		*) echo "qos_snap: bad spec $spec" >&2; return 1 ;;
		esac
	done
}

# qos_window SECS SPEC...: the rate of every counter of SPECs over SECS
# seconds, in $W/rates, "KEY MBIT SECONDS" a line (the seconds each
# counter's own readings were apart: a stalled VM lengthens the window, it
# does not inflate the rate).  The sleep is the measurement, not a wait for
# a state.
qos_window() {
	local secs=$1
	shift
	qos_snap "$@" >"$W/snap0" || return 1
	sleep "$secs"
	qos_snap "$@" >"$W/snap1" || return 1
	awk 'NR == FNR { b[$1] = $2; t[$1] = $3; next }
	     $1 in b { s = ($3 - t[$1]) / 1e9
		       printf "%s %.3f %.2f\n", $1, ($2 - b[$1]) * 8 / s / 1e6, s }' \
		"$W/snap0" "$W/snap1" >"$W/rates"
}

# qos_mbit KEY: KEY's rate in the last window, in Mbit/s.
qos_mbit() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$W/rates"
}

# qos_within KEY LO HI: KEY's rate in the last window is in [LO, HI] Mbit/s;
# prints it either way.
qos_within() {
	local v
	v=$(qos_mbit "$1") || { echo "$1: not measured"; return 1; }
	if awk -v v="$v" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
		echo "$1: $v Mbit/s, within [$2, $3]"
	else
		echo "$1: $v Mbit/s, NOT within [$2, $3]"
		return 1
	fi
}

# qos_rates_log: the last window's rates as TAP comments (the figures a
# run on a loaded machine is judged by).
qos_rates_log() {
	awk '$2 > 0.005 { printf "# %s %s Mbit/s over %s s\n", $1, $2, $3 }' "$W/rates"
}

# A TCP stream (iperf3, for up to 60 s) per name; its server and client
# write to $W/NAME.server and $W/NAME.client.
declare -A qos_flow_pids

# qos_flow_start NAME SRCNS DSTNS ADDR PORT: from SRCNS to a server in DSTNS
# listening on ADDR:PORT.  Run it in the test's shell (check_here): the
# processes must outlive it.
qos_flow_start() {
	local name=$1 src=$2 dst=$3 addr=$4 port=$5
	ip netns exec "$dst" iperf3 -s -1 -B "$addr" -p "$port" >"$W/$name.server" 2>&1 &
	qos_flow_pids[$name]=$!
	defer "kill $! 2>/dev/null"
	busywait 10000 matches LISTEN ip netns exec "$dst" ss -Hltn "sport = :$port" >/dev/null ||
		{ cat "$W/$name.server"; return 1; }
	ip netns exec "$src" iperf3 -c "$addr" -p "$port" -t 60 >"$W/$name.client" 2>&1 &
	qos_flow_pids[$name]+=" $!"
	defer "kill $! 2>/dev/null"
}

# qos_flow_stop NAME...: end the streams (client and server).
qos_flow_stop() {
	local name
	for name in "$@"; do
		# shellcheck disable=SC2086
		kill ${qos_flow_pids[$name]:-} 2>/dev/null
		# shellcheck disable=SC2086
		wait ${qos_flow_pids[$name]:-} 2>/dev/null
	done
	true
}

# qos_flowing NS DEV CLASS BYTES: wait (busywait, 20 s) until CLASS has sent
# BYTES more than now: the stream through it is up.
qos_flowing() {
	local base
	base=$(qos_bytes "$1" "$2" "$3") || { echo "no class $3 on $2"; return 1; }
	busywait 20000 qos_sent_at_least "$1" "$2" "$3" $((base + $4))
}

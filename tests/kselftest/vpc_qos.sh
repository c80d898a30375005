#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko's QoS (Documentation/vpc.md, "QoS: per-port bandwidth with HTB"):
# guaranteed minimums, borrowing up to the maximum, both directions, the
# default class, admission control, rate changes under load, and 1,000
# ports through `vpc -batch` with nothing left behind.
#
#                      fabric netns: bridge br0
#        +----------------------+----------------------+
#   hv1 192.0.2.1 (shaped)  hv2 192.0.2.2          big 192.0.2.9
#   a1 a2 a3 e i l m n      r s                    1,000 dummy ports
#
#   VPC 100, 10.0.0.0/24: a1 .1 a2 .2 a3 .3 e .4 i .5 l .6 m .7 n .8 on
#   hv1, r .11 s .12 on hv2; VM .N has MAC 02:00:00:00:00:NN (hex), and
#   VM X's port is vmX (ip(8) would take "l", "m" or "n" for a keyword).
#   a1..a3 contend for hv1's plane towards r; e has an egress max (to r
#   and to l), i an ingress max (from s and from m); n has no QoS.
#
# Rates are read from the HTB class byte counters (outer frames on ul0,
# inner on vpc-local and vpc-ingress) over a window, against the window's
# own elapsed time; ceilings are also checked at the receiving VM's eth0.
# The plane's rate is calibrated (below) to what this VM carries, and the
# other rates are the issue's proportions of it (40mbit: min 12 each for
# two VMs, 4/8/24 for three, max 8 for one): a TCG VM sharing two cores with
# other VMs carried from 8 to 40 Mbit/s of TCP through vpc.ko, so a fixed
# 40mbit plane would measure the machine, not HTB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
. "$(dirname "$0")/helpers/vpc_qos.sh"
require_cmd vpc tc jq iperf3 ss tcp_xfer ping

ktap_plan 58
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 big a1 a2 a3 e i l m n r s
topo_quiet "$fab" "$hv1" "$hv2" "$big" "$a1" "$a2" "$a3" "$e" "$i" "$l" "$m" "$n" "$r" "$s"
# stage NAME: where the time goes, as a TAP comment.
stage() { log "at ${SECONDS} s: $*"; }
W=$(mktemp -d /tmp/vpc-qos.XXXXXX)
defer rm -rf "$W"

QOS_PLANE=${VPC_QOS_PLANE:-}	# Mbit/s; calibrated below when not given
PK=0	# the plane in kbit/s
V1="vpc -n $hv1"
# The trees on hv1, and the same for the class counters (qos_snap).
TREES=(ul0 vpc-local vpc-ingress)
UL=tc:$hv1:ul0:ul
LOCAL=tc:$hv1:vpc-local:local
INGRESS=tc:$hv1:vpc-ingress:ingress

declare -A vmip=([a1]=1 [a2]=2 [a3]=3 [e]=4 [i]=5 [l]=6 [m]=7 [n]=8 [r]=11 [s]=12)
vm() {
	local v=$1 hv=$2 mac
	mac=$(printf '02:00:00:00:00:%02x' "${vmip[$v]}")
	topo_vm "${!v}" "$hv" "vm$v" 100 "$mac" "10.0.0.${vmip[$v]}/24"
}
map() {
	vpc -n "$1" map add net 100 ip "10.0.0.${vmip[$2]}" \
		mac "$(printf '02:00:00:00:00:%02x' "${vmip[$2]}")" host "$3"
}
setup() {
	local v
	topo_fabric 1 &&
	topo_underlay "$hv1" hv1 192.0.2.1 && topo_underlay "$hv2" hv2 192.0.2.2 &&
	vpc -n "$hv1" net add id 100 && vpc -n "$hv2" net add id 100 &&
	vpc -n "$hv1" underlay set local 192.0.2.1 &&
	vpc -n "$hv2" underlay set local 192.0.2.2 || return 1
	for v in a1 a2 a3 e i l m n; do
		vm "$v" "$hv1" && map "$hv2" "$v" 192.0.2.1 || return 1
	done
	for v in r s; do
		vm "$v" "$hv2" && map "$hv1" "$v" 192.0.2.2 || return 1
	done
	# A diagnosis: VPC_QOS_GSO_SEGS=1 makes the VMs send no GSO frame.
	[ -z "${VPC_QOS_GSO_SEGS:-}" ] && return 0
	for v in a1 a2 a3 e i l m n r s; do
		ip -n "${!v}" link set eth0 gso_max_segs "$VPC_QOS_GSO_SEGS" || return 1
	done
}
check "set up 2 hosts, 10 VMs of one VPC" setup
check "the VMs reach each other (a1 -> r, i -> s, l -> m)" sh -c \
	"ip netns exec $a1 ping -q -c 2 -i 0.2 -W 2 10.0.0.11 && ip netns exec $i ping -q -c 2 -i 0.2 -W 2 10.0.0.12 &&
	 ip netns exec $l ping -q -c 2 -i 0.2 -W 2 10.0.0.7"

# The plane's rate, set alone, makes the three trees: first at the issue's
# 40mbit, for the calibration.
check "underlay set rate 40mbit" $V1 underlay set rate 40mbit
# trees_made MBIT: the root and default classes of hv1's three trees.
trees_made() {
	local d
	for d in "${TREES[@]}"; do
		ip netns exec "$hv1" tc class show dev "$d" classid 7670:1 |
			grep -E "^class htb 7670:1 root .*rate $1Mbit ceil $1Mbit" || return 1
		ip netns exec "$hv1" tc class show dev "$d" classid 7670:2 |
			grep -E "^class htb 7670:2 parent 7670:1 .*ceil $1Mbit" || return 1
	done
}
check "7670:1 at 40Mbit and the default class 7670:2 on ul0, vpc-local, vpc-ingress" trees_made 40

# The plane: 40% of what three TCP streams (a1, a2, a3 -> r) carry here
# through HTB (the default class, up to 40mbit), within 2..40 Mbit/s, so
# that the classes, not the machine, limit them: a TCG VM sharing two
# cores with other VMs carried from 8 to 40 Mbit/s shaped (and 170 Mbit/s
# unshaped: HTB's timers are the cost), and one run carried 35 Mbit/s at
# calibration but 18.7 of a 21mbit plane (60%) a minute later.  Every rate
# of the test is a share of the plane in the issue's proportions.
calibrate() {
	local c base
	if [ -n "$QOS_PLANE" ]; then
		echo "the plane is ${QOS_PLANE}mbit (VPC_QOS_PLANE)"
		return 0
	fi
	base=$(qos_bytes "$hv1" ul0 7670:2) &&
	qos_flow_start c1 "$a1" "$r" 10.0.0.11 5211 && qos_flow_start c2 "$a2" "$r" 10.0.0.11 5212 &&
	qos_flow_start c3 "$a3" "$r" 10.0.0.11 5213 &&
	busywait 20000 qos_sent_at_least "$hv1" ul0 7670:2 $((base + 1000000)) >/dev/null &&
	qos_window 4 "$UL" || { qos_flow_stop c1 c2 c3; return 1; }
	qos_flow_stop c1 c2 c3
	c=$(qos_mbit ul/7670:2) || return 1
	QOS_PLANE=$(awk -v c="$c" 'BEGIN { p = int(c * 0.4); print (p < 2 ? 2 : (p > 40 ? 40 : p)) }')
	echo "shaped at 40mbit: $c Mbit/s; the plane is ${QOS_PLANE}mbit"
}
check_here "calibration: 3 TCP streams through the default class, the plane at 40% of them" calibrate
log "$KSFT_OUT"
: "${QOS_PLANE:=10}"
PK=$((QOS_PLANE * 1000))
# The ceiling cases: max 20% of the plane (the issue's 8 of 40), min 5%.
CAPMIN=$((PK / 20)) CAP=$((PK / 5))
replane() { $V1 underlay set rate "${QOS_PLANE}mbit" && trees_made "$QOS_PLANE"; }
check "underlay set rate ${QOS_PLANE}mbit: the trees follow" replane


# tcrate KBIT: a rate as tc prints it (6000 -> 6Mbit, 6500 -> 6500Kbit).
tcrate() {
	if [ $(($1 % 1000)) -eq 0 ]; then echo "$(($1 / 1000))Mbit"; else echo "${1}Kbit"; fi
}
# clirate KBIT: a rate as vpc prints it (6000 -> 6mbit, 6500 -> 6500kbit).
clirate() {
	if [ $(($1 % 1000)) -eq 0 ]; then echo "$(($1 / 1000))mbit"; else echo "${1}kbit"; fi
}
# mbit KBIT: KBIT in Mbit/s, for the comparisons.
mbit() { awk -v k="$1" 'BEGIN { print k / 1000 }'; }

cls_a1=none cls_a2=none cls_a3=none cls_e=none cls_i=none
# classes VM...: cls_VM, each VM's port class on hv1.  In this shell.
classes() {
	local v c
	for v in "$@"; do
		c=$(qos_class "$hv1" "vm$v") || { echo "$c"; return 1; }
		printf -v "cls_$v" '%s' "$c"
		echo "$v: $c"
	done
}
# port_class_is DEV CLASS RATE CEIL: CLASS on hv1's DEV has RATE and CEIL.
port_class_is() {
	ip netns exec "$hv1" tc class show dev "$1" classid "$2" |
		grep -E "^class htb $2 parent 7670:1 .*rate $3 ceil $4 " ||
		{ echo "$1: no class $2 at rate $3 ceil $4"; ip netns exec "$hv1" tc class show dev "$1"; return 1; }
}
# no_class CLASS: no tree of hv1 has CLASS.
no_class() {
	local d
	for d in "${TREES[@]}"; do
		! ip netns exec "$hv1" tc class show dev "$d" | grep "^class htb $1 " || return 1
	done
}
# flowing VM DEV: VM's stream goes through its class on DEV (0.4 s of the
# plane more: 500 kB at 10mbit).
flowing() {
	local c=cls_$1
	qos_flowing "$hv1" "$2" "${!c}" $((PK * 50))
}
# idle VM DEV: VM's class on DEV has drained (no byte in 0.2 s).
class_idle() {
	local c=cls_$1 b0 b1
	b0=$(qos_bytes "$hv1" "$2" "${!c}") && sleep 0.2 &&
		b1=$(qos_bytes "$hv1" "$2" "${!c}") && [ "$b0" -eq "$b1" ]
}
# sum_within LO HI KEY...: the KEYs' rates add up to [LO, HI] Mbit/s.
sum_within() {
	local lo=$1 hi=$2 k v sum=0
	shift 2
	for k in "$@"; do
		v=$(qos_mbit "$k") || { echo "$k: not measured"; return 1; }
		sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')
	done
	echo "sum of $*: $sum Mbit/s, wanted [$lo, $hi]"
	awk -v v="$sum" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(v >= lo && v <= hi) }'
}

# --- Two VMs contending: min 30% of the plane each, max the plane. -------
stage "Two VMs contending: min 30% of the plane each, max the plane."
MIN1=$((PK * 3 / 10))
qos_pair() {
	$V1 port set dev vma1 qos egress min "${MIN1}kbit" max "${QOS_PLANE}mbit" &&
	$V1 port set dev vma2 qos egress min "${MIN1}kbit" max "${QOS_PLANE}mbit"
}
check "a1, a2: qos egress min ${MIN1}kbit max ${QOS_PLANE}mbit" qos_pair
check_here "port show -d -j reports their qos_class" classes a1 a2
a1_class() {
	port_class_is ul0 "$cls_a1" "$(tcrate $MIN1)" "${QOS_PLANE}Mbit" &&
	port_class_is vpc-local "$cls_a1" "$(tcrate $MIN1)" "${QOS_PLANE}Mbit"
}
check "a1's class on ul0 and vpc-local: rate = min, ceil = max" a1_class
# A max equal to the plane's rate is not repeated.
check_output "port show lists the QoS" " qos egress min $(clirate $MIN1)( max ${QOS_PLANE}mbit)?( |\$)" \
	$V1 port show dev vma1

contention2() {
	qos_flow_start a1 "$a1" "$r" 10.0.0.11 5201 &&
	qos_flow_start a2 "$a2" "$r" 10.0.0.11 5202 &&
	flowing a1 ul0 && flowing a2 ul0
}
check_here "a1 and a2 stream TCP to r (hv2) through their classes" contention2
qos_window 5 "$UL"
qos_rates_log
each_min() {
	qos_within "ul/$cls_a1" "$(mbit $((MIN1 * 9 / 10)))" "$QOS_PLANE" &&
	qos_within "ul/$cls_a2" "$(mbit $((MIN1 * 9 / 10)))" "$QOS_PLANE"
}
check "both saturating: each gets >= 90% of its min" each_min
check "and together >= 90% of the plane" \
	sum_within "$(mbit $((PK * 9 / 10)))" "$(mbit $((PK * 11 / 10)))" "ul/$cls_a1" "ul/$cls_a2"
qos_flow_stop a2
busywait 10000 class_idle a2 ul0 >/dev/null
qos_window 5 "$UL"
qos_rates_log
check "a2 stops: a1 borrows up to its max (90..110% of ${QOS_PLANE}mbit)" \
	qos_within "ul/$cls_a1" "$(mbit $((PK * 9 / 10)))" "$(mbit $((PK * 11 / 10)))"
qos_flow_stop a1

# --- Ceilings: e egress max 20% of the plane, i ingress max 20%. ---------
stage "Ceilings: e egress max 20% of the plane, i ingress max 20%."
qos_caps() {
	$V1 port set dev vme qos egress min "${CAPMIN}kbit" max "${CAP}kbit" &&
	$V1 port set dev vmi qos ingress min "${CAPMIN}kbit" max "${CAP}kbit"
}
check "e: qos egress min ${CAPMIN}kbit max ${CAP}kbit; i: the same ingress" qos_caps
check_here "port show -d -j reports their qos_class" classes e i
caps_classes() {
	local rate ceil
	rate=$(tcrate $CAPMIN) ceil=$(tcrate $CAP)
	port_class_is ul0 "$cls_e" "$rate" "$ceil" && port_class_is vpc-local "$cls_e" "$rate" "$ceil" &&
	port_class_is vpc-ingress "$cls_i" "$rate" "$ceil"
}
check "e's class on ul0 and vpc-local, i's on vpc-ingress: rate = min, ceil = max" caps_classes

# capped KEY RXKEY: the class carried 50..110% of the max (the stream went
# through it; the upper bound is the test, the lower one only shows the
# stream was there on a loaded machine), and the receiving VM got <= 110%.
capped() {
	qos_within "$1" "$(mbit $((CAP / 2)))" "$(mbit $((CAP * 11 / 10)))" &&
	qos_within "$2" 0 "$(mbit $((CAP * 11 / 10)))"
}
HI=$(mbit $((CAP * 11 / 10)))	# for the cases' names
remote_caps() {
	qos_flow_start er "$e" "$r" 10.0.0.11 5204 && qos_flow_start si "$s" "$i" 10.0.0.5 5206 &&
	flowing e ul0 && flowing i vpc-ingress
}
check_here "e streams to r, s (hv2) streams to i" remote_caps
qos_window 10 "$UL" "$INGRESS" "rx:$r:eth0:r" "rx:$i:eth0:i"
qos_rates_log
check "e -> another host: <= $HI Mbit/s over 10 s (e's class on ul0, r's eth0)" capped "ul/$cls_e" r
check "another host -> i: <= $HI Mbit/s over 10 s (i's class on vpc-ingress, i's eth0)" \
	capped "ingress/$cls_i" i
qos_flow_stop er si
local_caps() {
	qos_flow_start el "$e" "$l" 10.0.0.6 5205 && qos_flow_start mi "$m" "$i" 10.0.0.5 5207 &&
	flowing e vpc-local && flowing i vpc-ingress
}
check_here "e streams to l, m streams to i (all on hv1)" local_caps
qos_window 10 "$LOCAL" "$INGRESS" "rx:$l:eth0:l" "rx:$i:eth0:i"
qos_rates_log
check "e -> a VM on its host: <= $HI Mbit/s over 10 s (e's class on vpc-local, l's eth0)" \
	capped "local/$cls_e" l
check "a VM on its host -> i: <= $HI Mbit/s over 10 s (i's class on vpc-ingress, i's eth0)" \
	capped "ingress/$cls_i" i
qos_flow_stop el mi
check_output "port show -s: e's egress statistics" '^ *egress_bytes [1-9][0-9]*$' $V1 -s port show dev vme

qos_off() {
	[ "$cls_e" != none ] && [ "$cls_i" != none ] &&
	$V1 port set dev vme qos off && $V1 port set dev vmi qos off &&
	no_class "$cls_e" && no_class "$cls_i"
}
check "qos off: e's and i's classes leave the three trees" qos_off

# --- Three VMs, min 10/20/60% of the plane: the spare 10% is lent in ------
# proportion to min, so each gets min * plane / (sum of min).
stage "Three VMs, min 10/20/60% of the plane: the spare 10% is lent in"
M=(0 $((PK / 10)) $((PK / 5)) $((PK * 3 / 5)))
qos_three() {
	local k
	for k in 1 2 3; do
		$V1 port set dev "vma$k" qos egress min "${M[k]}kbit" max "${QOS_PLANE}mbit" || return 1
	done
}
check "a1, a2, a3: qos egress min ${M[1]}/${M[2]}/${M[3]}kbit max ${QOS_PLANE}mbit" qos_three
check_here "port show -d -j reports a3's qos_class" classes a3
contention3() {
	qos_flow_start a1 "$a1" "$r" 10.0.0.11 5201 &&
	qos_flow_start a2 "$a2" "$r" 10.0.0.11 5202 &&
	qos_flow_start a3 "$a3" "$r" 10.0.0.11 5203 &&
	flowing a1 ul0 && flowing a2 ul0 && flowing a3 ul0
}
check_here "a1, a2, a3 stream TCP to r through their classes" contention3
qos_window 5 "$UL"
qos_rates_log
check "the three saturate the plane (>= 90%)" sum_within "$(mbit $((PK * 9 / 10)))" \
	"$(mbit $((PK * 11 / 10)))" "ul/$cls_a1" "ul/$cls_a2" "ul/$cls_a3"
# shares: each VM's share of the three's total within 10% of min / sum(min).
shares() {
	local k v sum=0 c
	for k in 1 2 3; do
		c=cls_a$k
		v=$(qos_mbit "ul/${!c}") || { echo "a$k: not measured"; return 1; }
		sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')
	done
	for k in 1 2 3; do
		c=cls_a$k
		awk -v v="$(qos_mbit "ul/${!c}")" -v sum="$sum" -v min="${M[k]}" \
			-v all=$((M[1] + M[2] + M[3])) -v pk="$PK" -v vm="a$k" 'BEGIN {
			want = min / all; got = v / sum
			printf "%s: %.2f Mbit/s, %.1f%% of %.2f (expected %.1f%%, %.2f Mbit/s of the plane)\n",
				vm, v, 100 * got, sum, 100 * want, want * pk / 1000
			exit !(got >= 0.9 * want && got <= 1.1 * want) }' || return 1
	done
}
check "shares within 10% of min + the spare in proportion to min" shares
qos_flow_stop a1 a2 a3

# --- Admission control: refusals change nothing. -----------------------
# Egress min on ul0 is 90% of the plane now; l takes half of ingress.
stage "Admission control: refusals change nothing."
snapshot() {
	local d
	for d in "${TREES[@]}"; do
		echo "== $d"
		qos_tree "$hv1" "$d" || return 1
	done
	$V1 -j port show && $V1 -j underlay show
}
check "l: qos ingress min $((PK / 2))kbit max ${QOS_PLANE}mbit" \
	$V1 port set dev vml qos ingress min "$((PK / 2))kbit" max "${QOS_PLANE}mbit"
snapshot >"$W/before" 2>&1
unchanged() {
	snapshot >"$W/after" 2>&1 && diff -u "$W/before" "$W/after"
}
REFUSED='^Error: refused: on [^ ]+ the ports. (egress|ingress) min .* would exceed the rate '
check_fail_output "egress min beyond the plane (90% + 20%) is refused, with a message" "$REFUSED" \
	$V1 port set dev vmn qos egress min "$((PK / 5))kbit" max "${QOS_PLANE}mbit"
check "and changes nothing (the trees, port show, underlay show)" unchanged
check_fail_output "ingress min beyond the planes' rate (50% + 60%) is refused" "$REFUSED" \
	$V1 port set dev vmn qos ingress min "$((PK * 3 / 5))kbit" max "${QOS_PLANE}mbit"
check_fail_output "egress and ingress in one command, ingress refused: neither is set" "$REFUSED" \
	$V1 port set dev vmn qos egress min "$((PK / 20))kbit" max "${QOS_PLANE}mbit" \
	ingress min "$((PK * 3 / 5))kbit" max "${QOS_PLANE}mbit"
check_fail_output "a plane rate below the ports' min (80% < 90%) is refused" "$REFUSED" \
	$V1 underlay set rate "$((PK * 8 / 10))kbit"
check_fail_output "a reserve that no longer fits (90% + 20%) is refused" "$REFUSED" \
	$V1 underlay set reserve "$((PK / 5))kbit"
check "none of them changed anything" unchanged
check_fail_output "min above max is refused" '^Error: egress min is above its max' $V1 port set dev vmn qos egress min 4mbit max 2mbit
check_fail_output "a rate that is not a rate is refused" '^Error: argument "2parsecs" is wrong: min is a rate' \
	$V1 port set dev vmn qos egress min 2parsecs max 4mbit
check_fail_output "qos on a device that is not a port is refused" '^Error: ul0 is not a port of vpc.ko' \
	$V1 port set dev ul0 qos egress min 1mbit max 2mbit
check_fail_output "an unknown qos word is refused" '^Error: unknown argument "sideways"' $V1 port set dev vmn qos sideways
check_fail_output "plane 2 is refused" '^Error: argument "2" is wrong: plane must be 0 or 1' $V1 underlay set plane 2 rate 10mbit
check "and nothing changed" unchanged

# --- A rate changed under load: the connection goes on, byte for byte. --
# A stream from a1 to r (tcp_xfer: length and hash) while a1's max goes
# 80% -> 20% -> 100% of the plane.  The 20% phase is measured from when the
# change has returned (a vpc command takes seconds on a loaded TCG VM) over
# the next 4 s worth at that rate (GSO frames of up to 64 kB make shorter
# windows coarse): the class must carry at most 110% of it.
stage "A rate changed under load"
XFER=$((PK * 800))	# 8 MB at a 10mbit plane
SLOW=$((PK / 5))
set_max() { $V1 port set dev vma1 qos egress min "${M[1]}kbit" max "$1"; }
# grown FROM BYTES: a1's class on ul0 has carried BYTES since it was at FROM.
grown() { qos_sent_at_least "$hv1" ul0 "$cls_a1" $(($1 + $2)) >/dev/null; }
rate_changes() {
	local base t0 b0 t1 b1 sent got
	set_max "$((PK * 8 / 10))kbit" || return 1
	base=$(qos_bytes "$hv1" ul0 "$cls_a1") || return 1
	ip netns exec "$r" tcp_xfer recv 10.0.0.11 5301 >"$W/xfer.recv" 2>&1 &
	ip netns exec "$a1" tcp_xfer send 10.0.0.11 5301 $XFER >"$W/xfer.send" 2>&1 &
	busywait 30000 grown "$base" 500000 && set_max "${SLOW}kbit" || return 1
	# Each time right after its read (see qos_snap).
	b0=$(qos_bytes "$hv1" ul0 "$cls_a1") || return 1
	t0=${EPOCHREALTIME/./}000
	busywait 30000 grown "$b0" $((SLOW * 500)) || return 1
	b1=$(qos_bytes "$hv1" ul0 "$cls_a1") || return 1
	t1=${EPOCHREALTIME/./}000
	set_max "${QOS_PLANE}mbit" || return 1
	wait	# the sender and the receiver, this subshell's only children
	sent=$(cat "$W/xfer.send")
	got=$(cat "$W/xfer.recv")
	echo "sent: $sent"
	echo "received: $got"
	awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) \
		'BEGIN { printf "slow: %.3f Mbit/s over %.2f s\n", b * 8 / t * 1e3, t / 1e9 }' >"$W/slow"
	cat "$W/slow"
	[ -n "$sent" ] && [ "$sent" = "$got" ] && [ "${sent%% *}" -eq $XFER ]
}
check "max $((PK * 8 / 10))kbit -> ${SLOW}kbit -> ${QOS_PLANE}mbit under load: all $((XFER / 1000)) kB arrive, hash intact" \
	rate_changes
log "$(cat "$W/slow" 2>/dev/null)"
check "while at ${SLOW}kbit, a1's class carried <= 110% of it (and carried some)" \
	awk -v hi="$(mbit $((SLOW * 11 / 10)))" '/^slow/ { r = $2 } END { exit !(r != "" && r > 0 && r <= hi) }' "$W/slow"
check "a1's class was changed in place: same id, ceil ${QOS_PLANE}Mbit" \
	port_class_is ul0 "$cls_a1" "$(tcrate "${M[1]}")" "${QOS_PLANE}Mbit"

# --- The default class: a frame that comes to vpc.ko with another port's
# class in skb->priority.  A VM cannot send one through veth (its
# ____dev_forward_skb() zeroes skb->priority), so a clsact filter on the
# host side of the port sets it: tc ingress runs before vpc.ko's
# rx_handler.  vpc.ko must classify by the port, never by what it is given.
stage "The default class: a frame that comes to vpc.ko with another port's"
prio_as() {
	ip netns exec "$hv1" tc qdisc add dev "vm$1" clsact &&
	ip netns exec "$hv1" tc filter add dev "vm$1" ingress matchall \
		action skbedit priority "$2"
}
# counters FILE: every class counter of hv1's ul0 and vpc-local, into FILE;
# delta KEY: how much KEY grew from $W/c0 to $W/c1.
counters() { qos_snap "$UL" "$LOCAL" >"$1"; }
delta() {
	awk -v k="$1" 'NR == FNR { if ($1 == k) b = $2; next } $1 == k { print $2 - b; f = 1 }
		END { exit !f }' "$W/c0" "$W/c1"
}
# 100 pings of 1000 bytes from VM to ADDR.
pings100() { ip netns exec "$1" ping -q -c 100 -i 0.01 -s 1000 -W 2 "$2" >/dev/null; }
no_qos_prio() {
	local d2 d1 dl
	prio_as n "$cls_a1" || return 1
	counters "$W/c0"
	pings100 "$n" 10.0.0.11 && pings100 "$n" 10.0.0.6 || return 1
	counters "$W/c1"
	d2=$(delta ul/7670:2) && d1=$(delta "ul/$cls_a1") && dl=$(delta "local/$cls_a1") || return 1
	echo "7670:2 on ul0 +$d2 bytes, a1's class on ul0 +$d1, on vpc-local +$dl"
	[ "$d2" -ge 100000 ] && [ "$d1" -eq 0 ] && [ "$dl" -eq 0 ]
}
check "n (no QoS) with a1's class in skb->priority: the default class 7670:2, never a1's" no_qos_prio
own_prio() {
	local d1 d2 l1 l2
	prio_as a1 "$cls_a2" || return 1
	counters "$W/c0"
	pings100 "$a1" 10.0.0.11 && pings100 "$a1" 10.0.0.6 || return 1
	counters "$W/c1"
	d1=$(delta "ul/$cls_a1") && d2=$(delta "ul/$cls_a2") &&
	l1=$(delta "local/$cls_a1") && l2=$(delta "local/$cls_a2") || return 1
	echo "ul0: a1's class +$d1 bytes, a2's +$d2; vpc-local: a1's +$l1, a2's +$l2"
	[ "$d1" -ge 100000 ] && [ "$l1" -ge 100000 ] && [ "$d2" -eq 0 ] && [ "$l2" -eq 0 ]
}
check "a1 with a2's class in skb->priority: a1's own class, on ul0 and vpc-local" own_prio

# --- 1,000 ports with QoS on one host, through `vpc -batch`; nothing leaks.
stage "1,000 ports with QoS on one host, through vpc -batch; nothing leaks."
NP=${VPC_QOS_PORTS:-1000}	# fewer for a quick look at the rest
VB="vpc -n $big"
BIG_TREES=(ul0 vpc-local vpc-ingress)
big_setup() {
	local k
	for ((k = 0; k < NP; k++)); do
		echo "link add p$k type dummy"
	done >"$W/links"
	for ((k = 0; k < NP; k++)); do
		printf 'port add dev p%d net 300 mac 02:00:01:00:%02x:%02x ip 10.1.%d.%d\n' \
			$k $((k >> 8)) $((k & 255)) $((k / 200)) $((k % 200 + 1))
	done >"$W/ports"
	topo_underlay "$big" big 192.0.2.9 &&
	$VB net add id 300 && $VB underlay set local 192.0.2.9 &&
	$VB underlay set rate "${QOS_PLANE}mbit" &&
	ip -n "$big" -batch "$W/links" && $VB -batch "$W/ports"
}
check "big: $NP dummy devices made ports of VPC 300 (ip -batch, vpc -batch)" big_setup
# Each way, min 80% of the plane over the $NP ports.
BIGMIN=$((PK * 8 / 10 / NP))
for ((k = 0; k < NP; k++)); do
	echo "port set dev p$k qos egress min ${BIGMIN}kbit max 1mbit ingress min ${BIGMIN}kbit max 1mbit"
done >"$W/qos"
start=$(date +%s%N)
check "vpc -batch: qos egress and ingress on $NP ports" $VB -batch "$W/qos"
log "-batch of $NP port set qos: $((($(date +%s%N) - start) / 1000000)) ms"
# port_classes_are N: each of big's trees has N port classes.
port_classes_are() {
	local d n
	for d in "${BIG_TREES[@]}"; do
		n=$(qos_port_classes "$big" "$d") || return 1
		echo "$d: $n port classes"
		[ "$n" -eq "$1" ] || return 1
	done
}
check "$NP port classes on each of ul0, vpc-local, vpc-ingress" port_classes_are $NP
last_class() {
	local c
	c=$(qos_class "$big" "p$((NP - 1))") || { echo "$c"; return 1; }
	ip netns exec "$big" tc class show dev vpc-ingress classid "$c"
}
check_output "p$((NP - 1))'s class on vpc-ingress has its rates" "rate $(tcrate $BIGMIN) ceil 1Mbit" last_class
for ((k = 0; k < NP / 2; k++)); do
	echo "port del dev p$k"
done >"$W/dels"
del_half() { $VB -batch "$W/dels" && port_classes_are $((NP / 2)); }
check "port del of $((NP / 2)) ports (vpc -batch) deletes their classes" del_half
# Ports that vanish with their netdev: their classes go at the next QoS command.
vanish() {
	local k
	for ((k = NP / 2; k < NP / 2 + 10; k++)); do
		ip -n "$big" link del "p$k" || return 1
	done
	$VB port set dev "p$((NP - 1))" qos egress min "${BIGMIN}kbit" max 2mbit &&
	port_classes_are $((NP / 2 - 10))
}
check "10 port netdevs deleted: the next port set qos removes their classes" vanish
gone() {
	$VB net del id 300 && $VB underlay set rate "${QOS_PLANE}mbit" && port_classes_are 0
}
check "net del, then underlay set rate: no port class is left on any tree" gone

# --- Unloading leaves the underlay's tree to tc. ------------------------
stage "Unloading leaves the underlay's tree to tc."
check "module unloads with QoS configured" rmmod vpc
check_output "hv1's ul0 keeps its tree (7670:), which tc removes" '^qdisc htb 7670: root' sh -c \
	"ip netns exec $hv1 tc qdisc show dev ul0 && ip netns exec $hv1 tc qdisc del dev ul0 root"

ktap_finished

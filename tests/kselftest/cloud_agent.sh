#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nimbus-agent restarts without loss, and converges after downtime.
#
# 1. host1's agent is killed (-9) and started again under running pings
#    (every 20 ms) between two VMs of host1 and to a VM of host2: no packet
#    is lost, and `vpc monitor` on host1 sees no object deleted or added.
# 2. The same under fio writing and verifying a volume attached to host1:
#    no I/O error, the same device with the same session.
# 3. With host1's agent stopped, ports are created and deleted through the
#    API on host1 and host2, a VPC is added, and a stray mapping and VPC
#    are put into host1's kernel by hand; the agent starts and host1's
#    kernel becomes exactly its desired state.
# 4. QoS: a port created with qos through the API gets its HTB classes on
#    host1 (egress on the underlay device ul0 and on vpc-local, ingress on
#    vpc-ingress) and the planes the host's capacity; a change is made in
#    place; a refusal of the kernel's admission control is reported and
#    counted, and applied once there is room; after a restart with the
#    egress tree deleted by hand, everything is back; qos removed, or the
#    port deleted: its classes are gone.
#
#   tenant A: VPC one 10.0.0.0/24: v1 v2 (host1), v3 (host2); later v4
#             (host1), v5 (host2); VPC two 10.1.0.0/24: w1 (host1);
#             q1, q2 (host1) with QoS
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/cloud.sh"
require_cmd vpc cbs cbs-server nimbus-controller nimbus-agent jq ping fio tc curl

ktap_plan 79
load_module vpc
defer unload_module vpc
load_module cbs
defer unload_module cbs
cloud_setup 18180 18190

cloud_start_controller
cloud_start_storage
up() {
	cloud_controller_up && cloud_storage_up && cloud_register_storage store1 $((16 << 30)) &&
		cloud_fabric && cloud_host 1 && cloud_host 2
}
check_here "controller, storage server, two hosts" up
cloud_start_agent 1
cloud_start_agent 2
check "the agents watch the controller" busywait 60000 cloud_all watching 1 2
build() {
	cloud_tenant A && cloud_vpc A one && cloud_subnet A one sn1 10.0.0.0/24 10.0.0.1 &&
	cloud_port A v1 one sn1 1 && cloud_port A v2 one sn1 1 && cloud_port A v3 one sn1 2 &&
	cloud_vm v1 && cloud_vm v2 && cloud_vm v3
}
check "a VPC with two VMs on host1 and one on host2" build
check "both hosts converge" busywait 90000 cloud_converged 1 2
cloud_id VPC_ONE one
cloud_field VNI_ONE "$VPC_ONE" vni
cloud_port_info v2
V2_IP=$PORT_IP
V2_IFNAME=$PORT_IFNAME
cloud_port_info v3
V3_IP=$PORT_IP
V3_IFNAME=$PORT_IFNAME
check "v1 pings v2 (same host) and v3 (host2)" sh -c \
	"ip netns exec $(cloud_ns v1) ping -q -c 2 -i 0.2 -W 3 $V2_IP && ip netns exec $(cloud_ns v1) ping -q -c 2 -i 0.2 -W 3 $V3_IP"

# --- 1. kill -9 under ping --------------------------------------------------
H1=$(cloud_ns host1)
MON=$CLOUD_DIR/log/monitor1
cloud_spawn monitor1 vpc -n "$H1" monitor
# mark: set host1's underlay to what it is; the notification shows the
# monitor listens, and where the restart's lines begin.
# Until it has joined its group, the monitor misses the mark: set it again.
mark() {
	vpc -n "$H1" underlay set local 192.0.2.1 && grep -q "^set underlay" "$MON"
}
check "vpc monitor on host1 listens" busywait 20000 mark
MON_START=$(wc -l <"$MON")
PINGS=()
for ip in "$V2_IP" "$V3_IP"; do
	ip netns exec "$(cloud_ns v1)" ping -c 1000 -i 0.02 -W 2 "$ip" >"$CLOUD_DIR/ping-$ip" 2>&1 &
	PINGS+=($!)
done
check "the pings run" busywait 30000 grep -q "icmp_seq=20 " "$CLOUD_DIR/ping-$V3_IP"
check_here "host1's agent is killed (-9)" cloud_kill agent1 KILL
cloud_start_agent 1
check "it starts again and watches" busywait 60000 cloud_watching 1
check "it reports its state applied" busywait 60000 cloud_synced 1
check "the pings were still running when it was back" kill -0 "${PINGS[@]}"
for i in 0 1; do
	wait "${PINGS[i]}"
	ping_status[i]=$?
done
check_output "no packet lost between host1's VMs (1000 pings, 20 ms apart)" \
	'1000 packets transmitted, 1000 received, 0% packet loss' cat "$CLOUD_DIR/ping-$V2_IP"
check_output "no packet lost from host1 to host2" \
	'1000 packets transmitted, 1000 received, 0% packet loss' cat "$CLOUD_DIR/ping-$V3_IP"
check "both pings exited 0" test "${ping_status[0]}" -eq 0 -a "${ping_status[1]}" -eq 0
# after_mark: the monitor's lines since the mark.
after_mark() {
	tail -n +$((MON_START + 1)) "$MON"
}
check_no_match "host1's monitor saw nothing deleted or added" '^(add|del) ' after_mark
check "host1's kernel is its desired state" cloud_converged 1

# --- 2. kill -9 under fio -----------------------------------------------------
attach() {
	cloud_volume A disk1 $((1 << 30)) && cloud_attach A disk1 1
}
check "a volume attached to host1" attach
check_output "host1's agent maps it" '^/dev/cbs[0-9]+$' busywait 60000 cloud_volume_dev disk1
DEV=$KSFT_OUT
# session: the device's line of cbs -d show (volume, generation, session).
session() {
	cbs -d show "$DEV"
}
check_output "its session" 'session [0-9a-f]+' session
SESSION_BEFORE=$KSFT_OUT
fio --name=verify --filename="$DEV" --direct=1 --ioengine=libaio --iodepth=4 \
	--rw=randwrite --bs=4k --size=64M --verify=crc32c --verify_backlog=64 \
	--verify_fatal=1 --verify_state_save=0 --time_based --runtime=20 --output-format=json \
	>"$CLOUD_DIR/fio.json" 2>"$CLOUD_DIR/fio.err" &
FIO=$!
check "fio writes" busywait 30000 matches 'writes [1-9]' oneline cbs -s show "$DEV"
check_here "host1's agent is killed (-9)" cloud_kill agent1 KILL
cloud_start_agent 1
check "it comes back and reports its state applied" busywait 60000 cloud_synced 1
check "fio was still running when it was back" kill -0 "$FIO"
wait "$FIO"
FIO_STATUS=$?
check "fio exits 0" test "$FIO_STATUS" -eq 0
check_output "fio saw no error and verified what it wrote" '^0 [1-9][0-9]* [1-9][0-9]*$' \
	jq -r '.jobs[0] | "\(.error) \(.write.total_ios) \(.read.total_ios)"' "$CLOUD_DIR/fio.json"
same_session() {
	local now
	now=$(session) || return 1
	echo "before: $SESSION_BEFORE"
	echo "now:    $now"
	[ "$now" = "$SESSION_BEFORE" ]
}
check "the same device, the same connection and session" same_session
check_output "the device counts no I/O error" 'errors 0' oneline cbs -s show "$DEV"

# --- 3. changes while the agent is down ---------------------------------------
check_here "host1's agent is stopped" cloud_kill agent1 KILL
cloud_port_info v2
V2_MAC=$PORT_MAC
changes() {
	cloud_port A v4 one sn1 1 && cloud_vm v4 &&	# a new port on host1
	cloud_port_del v2 A &&				# one deleted on host1 (its VM stays)
	cloud_port A v5 one sn1 2 && cloud_vm v5 &&	# a new port on host2: a mapping
	cloud_port_del v3 A &&				# one deleted on host2: a mapping less
	cloud_vpc A two && cloud_subnet A two sn2 10.1.0.0/24 10.1.0.1 &&
	cloud_port A w1 two sn2 1 && cloud_vm w1 &&	# a new VPC on host1
	# strays: a mapping in host1's VPC and a VPC that no one asked for
	vpc -n "$H1" map add net "$VNI_ONE" ip 10.0.0.200 mac 02:00:00:00:00:c8 host 192.0.2.9 &&
	vpc -n "$H1" net add id 16000000
}
check "ports created and deleted, a VPC added, strays put in by hand" changes
check_output "host1's kernel is behind" '^(missing|extra) ' cloud_diff 1
cloud_port_info v4
V4_IFNAME=$PORT_IFNAME
cloud_port_info v5
V5_IP=$PORT_IP
cloud_id VPC_TWO two
cloud_field VNI_TWO "$VPC_TWO" vni
cloud_start_agent 1
check "host1's agent starts" busywait 60000 cloud_watching 1
check "host1's kernel becomes exactly its desired state" busywait 90000 cloud_converged 1
check "host2's too" busywait 60000 cloud_converged 2
check "the stray mapping is gone" cloud_map_absent 1 "$VNI_ONE" 10.0.0.200
check "the stray VPC is gone" cloud_net_absent 1 16000000
check "v2's port is detached" cloud_port_absent 1 "$V2_IFNAME"
check "v3's mapping is gone" cloud_map_absent 1 "$VNI_ONE" "$V3_IP"
check_output "v4's port is attached" "^port $V4_IFNAME net $VNI_ONE " vpc -n "$H1" port show dev "$V4_IFNAME"
check_output "v5 is mapped to host2" "ip $V5_IP .*host 192\\.0\\.2\\.2" vpc -n "$H1" map show net "$VNI_ONE" ip "$V5_IP"
check_output "VPC two is there with its subnet" "^subnet net $VNI_TWO 10\\.1\\.0\\.0/24 gw 10\\.1\\.0\\.1" \
	vpc -n "$H1" subnet show net "$VNI_TWO"
check "v4 (host1) pings v5 (host2)" cloud_ping v4 "$V5_IP"
check "w1 pings its gateway in VPC two" cloud_ping w1 10.1.0.1

# --- 4. QoS -------------------------------------------------------------------
# port_classes DEV: the port classes (7670:X, X >= 0x10) of DEV's HTB tree
# on host1, "7670:X rate RATE ceil CEIL" each, as tc prints the rates.
port_classes() {
	local out line re='^class htb 7670:([0-9a-f]+) .*rate ([^ ]+) ceil ([^ ]+)'
	out=$(tc -n "$H1" class show dev "$1") || return 1
	while IFS= read -r line; do
		[[ $line =~ $re ]] && ((16#${BASH_REMATCH[1]} >= 16)) || continue
		echo "7670:${BASH_REMATCH[1]} rate ${BASH_REMATCH[2]} ceil ${BASH_REMATCH[3]}"
	done <<<"$out"
}
# classes_are DEV WANT: DEV's port classes, without their ids, are WANT
# ("rate R ceil C" lines; "" for none).
classes_are() {
	local have
	have=$(port_classes "$1") || return 1
	echo "$1: ${have:-no port class}"
	[ "$(printf '%s\n' "$have" | sed 's/^7670:[0-9a-f]* //;/^$/d')" = "$2" ]
}
# qos PORT JSON: PATCH port PORT's qos (merged into its own by the controller).
qos() {
	local id
	cloud_id id "$1" && cloud_api PATCH "/v1/ports/$id" A "{\"qos\":$2}"
}
metrics() {
	curl -sf "http://127.0.0.1:$((CLOUD_API_PORT + $1))/metrics"
}
# host_errors N: hostN's status as the controller has it (its errors).
host_errors() {
	local id
	cloud_id id "host$1" && cloud_api GET "/v1/hosts/$id" admin && echo "$API_BODY"
}
# no_q1_error: host1's status holds no error about q1's QoS.
no_q1_error() {
	local out
	out=$(host_errors 1) || return 1
	[[ $out != *"$Q1_IFNAME's QoS"* ]] || { echo "$out"; return 1; }
}
check "a port with QoS through the API on host1" cloud_port A q1 one sn1 1 \
	'"qos":{"egress":{"min":12000000,"max":40000000},"ingress":{"min":8000000,"max":20000000,"burst":30000}}'
check "its VM" cloud_vm q1
cloud_port_info q1
Q1_IFNAME=$PORT_IFNAME
check_output "host1's plane 0 has the host's capacity (10 Gbit/s, the default) on ul0" \
	'^class htb 7670:1 root rate 10Gbit ceil 10Gbit' busywait 60000 matches '^class htb 7670:1 root' \
	tc -n "$H1" class show dev ul0
check "q1's egress class on the underlay device: min 12 Mbit/s, max 40" \
	busywait 60000 classes_are ul0 "rate 12Mbit ceil 40Mbit"
check "and on vpc-local (to VMs of the same host)" busywait 30000 classes_are vpc-local "rate 12Mbit ceil 40Mbit"
check "q1's ingress class on vpc-ingress: min 8, max 20" \
	busywait 30000 classes_are vpc-ingress "rate 8Mbit ceil 20Mbit"
check_output "vpc port show has q1's QoS as the API gave it" \
	'qos egress min 12mbit max 40mbit ingress min 8mbit max 20mbit burst 30000b' \
	vpc -n "$H1" port show dev "$Q1_IFNAME"
# (v4: v1 may still know q1's address, v3's before, by v3's MAC.)
check "q1 pings v4 through its classes (vpc-local, vpc-ingress)" \
	cloud_ping q1 "$(cloud_port_info v4 && echo "$PORT_IP")"
Q1_CLASS=$(port_classes ul0)
Q1_CLASS=${Q1_CLASS%% *}
check "a change of q1's egress max through the API" qos q1 '{"egress":{"max":30000000}}'
check "is applied in place: the same class, max 30" \
	busywait 30000 classes_are ul0 "rate 12Mbit ceil 30Mbit"
check_output "the same class id" "^$Q1_CLASS " port_classes ul0
check "ingress is left as it was" classes_are vpc-ingress "rate 8Mbit ceil 20Mbit"

# A reserve for the host's own traffic leaves too little room for more min:
# the controller (which knows no reserve) accepts, the kernel refuses.
check "a host reserve of 9980 Mbit/s on host1's plane 0, by hand" \
	vpc -n "$H1" underlay set reserve 9980mbit
check "q1's egress min raised to 30 Mbit/s through the API" qos q1 '{"egress":{"min":30000000}}'
check_output "host1's agent counts the refusal" '^nimbus_agent_qos_refused_total [1-9]' \
	busywait 30000 matches '^nimbus_agent_qos_refused_total [1-9]' metrics 1
check_output "and reports it in the host's status" "cannot set port $Q1_IFNAME's QoS: .*refused" \
	busywait 30000 matches "cannot set port $Q1_IFNAME's QoS" host_errors 1
check "the refused change changed nothing" classes_are ul0 "rate 12Mbit ceil 30Mbit"
check "the agent runs on" kill -0 "$(cloud_pid agent1)"
check "the reserve back to 0" vpc -n "$H1" underlay set reserve 0
check "the agent tries again and applies it" busywait 60000 classes_are ul0 "rate 30Mbit ceil 30Mbit"
check "its error is gone from the host's status" busywait 30000 no_q1_error

# The anchors' failure: QoS silently not applied after a restart.
check_here "host1's agent is killed (-9)" cloud_kill agent1 KILL
check "the egress tree on ul0 deleted by hand meanwhile" tc -n "$H1" qdisc del dev ul0 root
check_no_match "no class left on ul0" '7670:' tc -n "$H1" class show dev ul0
cloud_start_agent 1
check "after the restart, q1's egress class is back on ul0" \
	busywait 60000 classes_are ul0 "rate 30Mbit ceil 30Mbit"
check "and ingress is still in place" classes_are vpc-ingress "rate 8Mbit ceil 20Mbit"

check "q1's qos removed through the API" qos q1 \
	'{"egress":{"min":0,"max":0},"ingress":{"min":0,"max":0}}'
check "its classes are gone: ul0" busywait 30000 classes_are ul0 ""
check "vpc-local" classes_are vpc-local ""
check "vpc-ingress" classes_are vpc-ingress ""
check "a port q2 with ingress QoS only" cloud_port A q2 one sn1 1 '"qos":{"ingress":{"max":16000000}}'
check "its VM" cloud_vm q2
check "q2's ingress class: no min, max 16 Mbit/s" busywait 60000 classes_are vpc-ingress "rate 8bit ceil 16Mbit"
check "no egress class for it" classes_are ul0 ""
check "q2 deleted through the API" cloud_port_del q2 A
check "its class is gone" busywait 30000 classes_are vpc-ingress ""
check "host1's kernel is its desired state" busywait 30000 cloud_converged 1
cloud_finished

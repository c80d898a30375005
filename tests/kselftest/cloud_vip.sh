#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nimbus-agent acts on vpc.ko's notifications, end to end through the
# controller:
#
# 1. miss: a mapping deleted by hand from host1's kernel comes back as soon
#    as a VM of host1 sends to that address (vpc.ko announces the miss,
#    the agent fetches that one mapping), not at the 10-minute resync.
# 2. claim: ports of v1 (host1) and v2 (host2) are allowed a VIP through
#    the API (allowed_address_pairs).  v1 announces it (a gratuitous ARP):
#    host2 and host3 map it to host1, and v3 (host3) pinging the VIP is
#    answered by v1.  Then v2 announces it: host1 and host3 map it to
#    host2, host2 drops its mapping, and v2 answers.
# 3. v1 announces it again while the controller is down: host1's agent
#    sends the report again until the controller, restarted, takes it.
#
#   controller 127.0.0.1:18280, agents in the initial namespace
#   (helpers/cloud.sh draws the hosts)
#
#   tenant A, 10.0.0.0/24, VIP 10.0.0.100:
#     v1 10.0.0.2 (host1, allowed the VIP)  v2 10.0.0.3 (host2, allowed the VIP)
#     v3 10.0.0.4 (host3)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/cloud.sh"
require_cmd vpc nimbus-controller nimbus-agent ping python3 curl

ktap_plan 33
load_module vpc
defer unload_module vpc
cloud_setup 18280 18290

VIP=10.0.0.100
cloud_start_controller
up() {
	cloud_controller_up && cloud_fabric && cloud_host 1 && cloud_host 2 && cloud_host 3
}
check_here "controller and three hosts" up
for n in 1 2 3; do
	cloud_start_agent $n
done
check "the agents watch the controller" busywait 60000 cloud_all watching 1 2 3
build() {
	local pairs="\"allowed_address_pairs\":[{\"ip\":\"$VIP\"}]"
	cloud_tenant A && cloud_vpc A one && cloud_subnet A one sn1 10.0.0.0/24 10.0.0.1 &&
	cloud_port A v1 one sn1 1 "$pairs" && cloud_port A v2 one sn1 2 "$pairs" &&
	cloud_port A v3 one sn1 3 && cloud_vm v1 && cloud_vm v2 && cloud_vm v3
}
check_here "v1 (host1) and v2 (host2) allowed the VIP, v3 on host3" build
check "the three hosts converge" busywait 90000 cloud_converged 1 2 3
cloud_id VPC one
cloud_field VNI "$VPC" vni
cloud_port_info v1
V1_IFNAME=$PORT_IFNAME
cloud_port_info v2
V2_IFNAME=$PORT_IFNAME
V2_MAC=$PORT_MAC
cloud_port_info v3
V3_IP=$PORT_IP
H1=$(cloud_ns host1)
H2=$(cloud_ns host2)
check_output "the agent allowed host1's port the VIP (vpc port set ... allow)" \
	"allow 10\\.0\\.0\\.100" vpc -n "$H1" port show dev "$V1_IFNAME"
check_output "and host2's" "allow 10\\.0\\.0\\.100" vpc -n "$H2" port show dev "$V2_IFNAME"

# --- 1. miss -------------------------------------------------------------------
metrics() {
	curl -sf "http://127.0.0.1:$((CLOUD_API_PORT + $1))/metrics"
}
check_here "host1's mapping of v3 is deleted by hand" vpc -n "$H1" map del net "$VNI" ip "$V3_IP"
check "it is gone" cloud_map_absent 1 "$VNI" "$V3_IP"
check "v1 pings v3: the miss brings the mapping back" \
	busywait 20000 ip netns exec "$(cloud_ns v1)" ping -q -c 1 -W 1 "$V3_IP"
check_output "host1 maps v3 to host3 again" "ip $V3_IP .*host 192\\.0\\.2\\.3" \
	vpc -n "$H1" map show net "$VNI" ip "$V3_IP"
check_output "host1's agent counts the miss" '^nimbus_agent_misses_total [1-9]' metrics 1
check_output "and the mapping it fetched" '^nimbus_agent_miss_fetches_found_total [1-9]' metrics 1
check "host1's kernel is its desired state" cloud_converged 1

# --- 2. claim ------------------------------------------------------------------
# vm_mac VM: the MAC of VM's eth0.
vm_mac() {
	ip netns exec "$(cloud_ns "$1")" cat /sys/class/net/eth0/address
}
# garp VM: VM announces the VIP with its own MAC, as keepalived does on
# becoming master: an ARP request whose sender and target are the VIP.
garp() {
	ip netns exec "$(cloud_ns "$1")" python3 - "$(vm_mac "$1")" "$VIP" <<-'EOF'
		import socket, sys
		mac = bytes.fromhex(sys.argv[1].replace(":", ""))
		vip = socket.inet_aton(sys.argv[2])
		s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		s.bind(("eth0", 0))
		s.send(b"\xff" * 6 + mac + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01" +
		       mac + vip + b"\x00" * 6 + vip)
	EOF
}
# vip_on HOST_IP N...: hostN's kernels map the VIP to HOST_IP.
vip_on() {
	local host=$1 n out
	shift
	for n in "$@"; do
		out=$(vpc -n "$(cloud_ns "host$n")" map show net "$VNI" ip "$VIP" 2>&1)
		[[ $out == *"host $host"* ]] || { echo "host$n: $out"; return 1; }
	done
}
# answered_by VM OTHER: v3 pings the VIP 5 times, all answered; VM's port
# delivered them (its tx counter), OTHER's did not.
answered_by() {
	local a0 a1 b0 b1
	cloud_port_stat a0 "$1" tx_packets && cloud_port_stat b0 "$2" tx_packets &&
	cloud_ping v3 "$VIP" 5 || return 1
	cloud_port_stat a1 "$1" tx_packets && cloud_port_stat b1 "$2" tx_packets || return 1
	echo "$1 got $((a1 - a0)) frames, $2 $((b1 - b0))"
	[ $((a1 - a0)) -ge 5 ] && [ $((b1 - b0)) -lt 5 ]
}
vips() {
	ip -n "$(cloud_ns v1)" addr add "$VIP/32" dev eth0 &&
	ip -n "$(cloud_ns v2)" addr add "$VIP/32" dev eth0
}
check "v1 and v2 hold the VIP" vips
check "v1 announces the VIP (gratuitous ARP)" garp v1
check "host2 and host3 map the VIP to host1" busywait 30000 vip_on 192.0.2.1 2 3
check "host1 has no mapping of it (its port owns it)" cloud_map_absent 1 "$VNI" "$VIP"
check "v3 (host3) pings the VIP: v1 answers" answered_by v1 v2
check "v2 announces the VIP" garp v2
check "host1 and host3 now map the VIP to host2" busywait 30000 vip_on 192.0.2.2 1 3
check_output "with v2's MAC" "mac $V2_MAC" vpc -n "$(cloud_ns host3)" map show net "$VNI" ip "$VIP"
check "host2 drops its mapping of the VIP" busywait 30000 cloud_map_absent 2 "$VNI" "$VIP"
# v3 resolves the VIP again (as a VM does when its entry goes stale).
check "v3 forgets the VIP's old MAC" ip -n "$(cloud_ns v3)" neigh flush all
check "v3 pings the VIP: v2 answers" answered_by v2 v1
check "every host's kernel is its desired state" busywait 30000 cloud_converged 1 2 3
check_output "host2's agent reported the claim" '^nimbus_agent_claim_reports_total [1-9]' metrics 2
check_output "and the controller took it" '^nimbus_agent_claims_refused_total 0$' metrics 2

# --- 3. a claim while the controller is down ---------------------------------------
check_here "the controller is stopped" cloud_kill controller
check "v1 announces the VIP" garp v1
check "host1's agent cannot report it and will send it again" \
	busywait 20000 grep -q "claim of .* sent again" "$CLOUD_DIR/log/agent1"
cloud_start_controller
check "the controller is back" cloud_controller_up
check "host2 and host3 map the VIP to host1 again: the report was sent again" \
	busywait 60000 vip_on 192.0.2.1 2 3
check "every host's kernel is its desired state" busywait 30000 cloud_converged 1 2 3
cloud_finished

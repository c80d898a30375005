#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko's IPv4 datapath: three hypervisors on one underlay, two tenants
# with the same IPs and MACs, each VM a netns behind a veth port.
#
#                      fabric netns: bridge br0
#        +-------------------+-------------------+-------------------+
#   hv1 192.0.2.1       hv2 192.0.2.2       hv3 192.0.2.3       rogue 192.0.2.66
#   a1 a3 | b1          a2 | b2             b3                  (plain gretap)
#
#   tenant A = VPC 100: a1 10.0.0.1 (hv1), a2 10.0.0.2 (hv2), a3 10.0.0.3 (hv1)
#   tenant B = VPC 200: b1 10.0.0.1 (hv1), b2 10.0.0.2 (hv2), b3 10.0.0.3 (hv3)
#   VM N of either tenant has MAC 02:00:00:00:00:0N.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc nl_send ping tcpdump setpriv

ktap_plan 37
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 hv3 rogue a1 a2 a3 b1 b2 b3

# Quiet namespaces: no IPv6 autoconfiguration or MLD to blur the counts.
topo_quiet "$fab" "$hv1" "$hv2" "$hv3" "$rogue" "$a1" "$a2" "$a3" "$b1" "$b2" "$b3"

topo_fabric 1
topo_underlay "$hv1" hv1 192.0.2.1
topo_underlay "$hv2" hv2 192.0.2.2
topo_underlay "$hv3" hv3 192.0.2.3
topo_underlay "$rogue" rogue 192.0.2.66

MTU=1450	# at most 1500 underlay - 20 outer IPv4 - 8 GRE with key - 14 inner Ethernet
# vm VMNS HVNS PORT VPC N: a VM with 10.0.0.N and MAC 02:00:00:00:00:0N.
vm() {
	ip link add eth0 netns "$1" type veth peer name "$3" netns "$2"
	ip -n "$1" link set eth0 address "02:00:00:00:00:0$5" mtu $MTU up
	ip -n "$1" addr add "10.0.0.$5/24" dev eth0
	ip -n "$2" link set "$3" mtu $MTU up
	vpc -n "$2" port add dev "$3" net "$4" mac "02:00:00:00:00:0$5" ip "10.0.0.$5"
}
# map HVNS VPC N HOSTIP: VM N of VPC runs on HOSTIP.
map() {
	vpc -n "$1" map add net "$2" ip "10.0.0.$3" mac "02:00:00:00:00:0$3" host "$4"
}

setup() {
	local h
	for h in "$hv1" "$hv2" "$hv3"; do
		vpc -n "$h" net add id 100 name tenant-a || return 1
		vpc -n "$h" net add id 200 name tenant-b || return 1
	done
	vpc -n "$hv1" underlay set local 192.0.2.1 fastpath on &&
	vpc -n "$hv2" underlay set fastpath on && vpc -n "$hv2" underlay set local 192.0.2.2 &&
	vpc -n "$hv3" underlay set local 192.0.2.3 fastpath on &&
	vm "$a1" "$hv1" a1 100 1 && vm "$a3" "$hv1" a3 100 3 && vm "$b1" "$hv1" b1 200 1 &&
	vm "$a2" "$hv2" a2 100 2 && vm "$b2" "$hv2" b2 200 2 &&
	vm "$b3" "$hv3" b3 200 3 &&
	map "$hv1" 100 2 192.0.2.2 && map "$hv1" 200 2 192.0.2.2 && map "$hv1" 200 3 192.0.2.3 &&
	map "$hv2" 100 1 192.0.2.1 && map "$hv2" 100 3 192.0.2.1 &&
	map "$hv2" 200 1 192.0.2.1 && map "$hv2" 200 3 192.0.2.3 &&
	map "$hv3" 200 1 192.0.2.1 && map "$hv3" 200 2 192.0.2.2
}
check "set up 3 hosts, 2 tenants, 6 VMs" setup

check "A: ping across hosts (hv1 -> hv2)" pings "$a1" 10.0.0.2
check "B: ping across hosts, same IPs (hv1 -> hv2)" pings "$b1" 10.0.0.2
check "A: ping on one host (a1 -> a3 on hv1)" pings "$a1" 10.0.0.3
check "B: 10.0.0.3 is on hv3 for B (b1 -> b3)" pings "$b1" 10.0.0.3
check "A: reverse path (a2 -> a3)" pings "$a2" 10.0.0.3
check_output "hv2 received GRE" '^[1-9]' stat "$hv2" - gre_rx_packets

# ARP is answered by the module on the VM's own host.
arp_before=$(stat "$hv1" a1 arp_replies)
ip -n "$a1" neigh flush dev eth0
check "ARP resolved after a flush" pings "$a1" 10.0.0.2
check_output "the answer is the mapped MAC" '^10\.0\.0\.2 .*lladdr 02:00:00:00:00:02' \
	ip -n "$a1" neigh show 10.0.0.2
check "hv1 answered the ARP itself" test "$(stat "$hv1" a1 arp_replies)" -gt "$arp_before"
check_fail_output "ARP for an unknown address is not answered" '100% packet loss' pings "$a1" 10.0.0.99
check_output "and is counted" '^[1-9]' stat "$hv1" a1 drop_arp

# Isolation: tenant B's VMs see no frame at all while tenant A floods.
capture_pids=()
capture_start() {
	local ns=$1 f=$2
	# --immediate-mode: no frame may wait in a capture block when we stop.
	ip netns exec "$ns" tcpdump --immediate-mode -n -U -i eth0 -w "$f" \
		>/dev/null 2>"$f.log" &
	capture_pids+=($!)
	defer "kill $! 2>/dev/null"
	busywait 30000 grep -q listening "$f.log"
}
pcap=/tmp/vpc-dp.$$
captures() {
	capture_start "$b1" "$pcap.b1" && capture_start "$b2" "$pcap.b2" &&
		capture_start "$b3" "$pcap.b3"
}
check_here "tcpdump listens on b1, b2, b3" captures
ip netns exec "$a1" ping -q -f -c 300 10.0.0.2 >/dev/null
ip netns exec "$a1" ping -q -f -c 300 10.0.0.3 >/dev/null
ip netns exec "$a2" ping -q -f -c 300 10.0.0.3 >/dev/null
# tcpdump -U writes each packet as it comes; SIGINT flushes and ends it.
kill -INT "${capture_pids[@]}" 2>/dev/null
wait "${capture_pids[@]}" 2>/dev/null
# frames_seen: every frame the three captures hold; fails if one cannot be read.
frames_seen() {
	local v
	for v in b1 b2 b3; do
		tcpdump -n -r "$pcap.$v" 2>/dev/null || return 1
	done
}
check_no_match "no frame of tenant A reached tenant B during a 900-ping flood" . frames_seen
# The control: the same capture does see tenant B's own traffic.
capture_pids=()
check_here "tcpdump listens on b2 again" capture_start "$b2" "$pcap.ctl"
ip netns exec "$b1" ping -q -c 5 -i 0.1 -W 2 10.0.0.2 >/dev/null
# requests: the control capture holds B's 5 echo requests.
requests() {
	local frames
	frames=$(tcpdump -n -r "$pcap.ctl" 2>/dev/null) &&
		[ "$(grep -c 'ICMP echo request' <<<"$frames")" -ge 5 ]
}
check "the capture sees B's own ping (b1 -> b2)" busywait 5000 requests
kill -INT "${capture_pids[@]}" 2>/dev/null
wait "${capture_pids[@]}" 2>/dev/null
rm -f "$pcap".*
check "A's flood got through" sh -c "test $(stat "$hv2" - gre_rx_packets) -gt 300"

# Port security: a VM that claims another source is dropped and counted.
ip -n "$a1" addr add 10.0.0.77/32 dev eth0
check_fail_output "spoofed source IP does not get through" '100% packet loss' \
	ip netns exec "$a1" ping -q -c 2 -i 0.2 -W 1 -I 10.0.0.77 10.0.0.2
check_output "and is counted" '^[1-9]' stat "$hv1" a1 drop_spoof_ip
ip -n "$a3" link set eth0 address 02:00:00:00:00:99
check_fail_output "spoofed source MAC does not get through" '100% packet loss' pings "$a3" 10.0.0.1
check_output "and is counted" '^[1-9]' stat "$hv1" a3 drop_spoof_mac
ip -n "$a3" link set eth0 address 02:00:00:00:00:03

# GRE that no VPC of hv1 accepts: an unknown key, or a known key from a
# host no mapping of that VPC names.
rogue_gre() {
	ip -n "$rogue" link add "g$1" type gretap local 192.0.2.66 remote 192.0.2.1 key "$1"
	ip -n "$rogue" link set "g$1" up
	ip -n "$rogue" addr add 10.66.0.66/32 dev "g$1"
	ip -n "$rogue" neigh add 10.0.0.1 lladdr 02:00:00:00:00:01 dev "g$1"
	ip netns exec "$rogue" ping -q -c 3 -i 0.2 -W 1 -I "g$1" 10.0.0.1 >/dev/null
	true
}
rogue_gre 999
check_output "GRE with an unknown key is dropped and counted" '^[1-9]' \
	stat "$hv1" - gre_drop_unknown_key
rogue_gre 100
check_output "GRE from a host outside the VPC is dropped and counted" '^[1-9]' \
	stat "$hv1" - gre_drop_unknown_source


# The control plane refuses what it must, and explains.
check_errno "unprivileged port add is EPERM" 1 ip netns exec "$hv1" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- \
	nl_send vpc 6 u32:1=100 u32:5=1 hex:7=020000000009 hex:8=080001000a000009
check_fail_output "malformed mapping is EINVAL with a message" '^error 22: .*not a unicast IPv4 address' \
	ip netns exec "$hv1" nl_send vpc 9 u32:1=100 hex:9=e0000001 hex:7=020000000009 hex:10=c0000202
check "traffic still flows after the refusals" pings "$b2" 10.0.0.3

# The receive fast path (ul_rx.c) takes GRE off the underlay device before
# IP, so the GRE device itself has received nothing.
gre_dev_rx() { ip netns exec "$1" cat /sys/class/net/vpc-gre/statistics/rx_packets; }
check_output "GRE was taken off hv2's underlay device (vpc-gre got none)" '^0$' \
	gre_dev_rx "$hv2"
# A master (bridge, bond) for the underlay device gets it: vpc.ko steps
# aside and ip_gre with the GRE device does the receiving.
master_underlay() {
	ip -n "$hv2" link add brx type bridge &&
	ip -n "$hv2" link set ul0 master brx &&
	ip -n "$hv2" addr del 192.0.2.2/24 dev ul0 &&
	ip -n "$hv2" addr add 192.0.2.2/24 dev brx &&
	ip -n "$hv2" link set brx up
}
check "hv2's underlay device can be made a bridge port" master_underlay
check "traffic goes on through ip_gre (a1 -> a2)" busywait 5000 pings "$a1" 10.0.0.2
check_output "and vpc-gre received it" '^[1-9]' gre_dev_rx "$hv2"

# The fast path is a choice: off, the underlay device is the host's again
# (a macvlan may take it) and ip_gre receives; the address stays set.
fastpath_off() {
	vpc -n "$hv1" underlay set fastpath off &&
	ip -n "$hv1" link add mv0 link ul0 type macvlan && ip -n "$hv1" link del mv0
}
check_fail_output "fast path on: a macvlan on hv1's underlay device is refused" 'busy' \
	ip -n "$hv1" link add mv0 link ul0 type macvlan
check "fast path off: the macvlan is made" fastpath_off
check_output "underlay show -d says so, the address kept" '^underlay local 192\.0\.2\.1 dev vpc-gre fastpath off' \
	vpc -n "$hv1" -d underlay show
check "traffic goes on (a2 -> a1)" busywait 5000 pings "$a2" 10.0.0.1

# Unloading with ports attached and traffic configured is clean (vm-run
# checks the kernel log and the slab caches).
check "module unloads with 6 ports attached" rmmod vpc
check_fail_output "and takes the GRE devices with it" 'does not exist' ip -n "$hv1" link show vpc-gre
check_fail_output "VMs are cut off" '100% packet loss' pings "$a1" 10.0.0.2

ktap_finished

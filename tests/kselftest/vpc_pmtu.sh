#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Path MTU inside a VPC: VMs keep the default 1500-byte MTU on a 1500-byte
# underlay, so packets over 1458 bytes cannot cross hosts in GRE; the module
# answers them with ICMP frag-needed / ICMPv6 packet-too-big (mtu 1458) and
# the VMs' own PMTU discovery, TCP included, takes it from there.
#
#        fabric netns: bridge br0 (MTU 1500)
#   hv1 192.0.2.1  ---------------------  hv2 192.0.2.2
#   a1, a3                                a2
#
#   VPC 100: VM N has 10.0.0.N/24, 2001:db8::N/64, MAC 02:00:00:00:00:0N.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc ping nstat tcp_xfer

ktap_plan 19
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 a1 a2 a3

topo_quiet "$fab" "$hv1" "$hv2"
quiet_ipv6 "$a1" "$a2" "$a3"
topo_fabric 1
topo_underlay "$hv1" hv1 192.0.2.1
topo_underlay "$hv2" hv2 192.0.2.2

# vm VMNS HVNS PORT N: a VM of VPC 100 with the default MTU.
vm() { dual_vm "$1" "$2" "$3" 100 "$4" 1500; }
map() { dual_map "$1" 100 "$2" "$3"; }
setup() {
	vpc -n "$hv1" net add id 100 && vpc -n "$hv2" net add id 100 &&
	vpc -n "$hv1" underlay set local 192.0.2.1 &&
	vpc -n "$hv2" underlay set local 192.0.2.2 &&
	vm "$a1" "$hv1" a1 1 && vm "$a3" "$hv1" a3 3 && vm "$a2" "$hv2" a2 2 &&
	map "$hv1" 2 192.0.2.2 && map "$hv2" 1 192.0.2.1 && map "$hv2" 3 192.0.2.1
}
check "set up 2 hosts, 3 VMs with MTU 1500" setup

# ping4 VMNS SIZE PMTUDISC DEST: one ping with SIZE bytes of payload.
ping4() { ip netns exec "$1" ping -c 1 -W 2 -s "$2" -M "$3" "$4"; }

check_fail_output "DF ping of 1500 bytes across hosts gets frag-needed, mtu 1458" \
	'Frag needed and DF set \(mtu = 1458\)' ping4 "$a1" 1472 do 10.0.0.2
check_output "a1 learned the path MTU" 'mtu 1458' ip -n "$a1" route get 10.0.0.2
check_fail_output "and now refuses to send 1500 bytes itself" 'message too long, mtu=1458' \
	ping4 "$a1" 1472 do 10.0.0.2
check_output "hv1 counted one too-big frame" '^1$' stat "$hv1" a1 too_big
# The limit is exact: 1458 bytes fit, 1459 do not.
check "a 1458-byte DF ping crosses hosts (a3 -> a2)" ping4 "$a3" 1430 do 10.0.0.2
check_fail_output "a 1459-byte DF ping does not" 'Frag needed and DF set \(mtu = 1458\)' \
	ping4 "$a3" 1431 do 10.0.0.2
check_output "and is the only one a3 had answered" '^1$' stat "$hv1" a3 too_big
check "on one host the underlay does not limit (a1 -> a3, 1500 bytes)" \
	ping4 "$a1" 1472 do 10.0.0.3

# Without DF the outer IPv4 packet is fragmented and hv2 reassembles it.
reasm() { ip netns exec "$hv2" nstat -az IpReasmOKs | awk '$1 == "IpReasmOKs" { print $2 }'; }
reassembled=$(reasm)
ip -n "$a3" route flush cache	# so that a3 itself does not fragment to 1458
check "a 1500-byte ping without DF crosses hosts (a3 -> a2)" ping4 "$a3" 1472 dont 10.0.0.2
check "in outer fragments that hv2 reassembled" test "$(reasm)" -gt "$reassembled"

check_fail_output "ping -6 of 1500 bytes across hosts gets packet too big, mtu 1458" \
	'Packet too big: mtu=1458' \
	ip netns exec "$a1" ping -6 -c 1 -W 2 -s 1452 -M do 2001:db8::2
check_output "a1 learned the IPv6 path MTU" 'mtu 1458' ip -n "$a1" -6 route get 2001:db8::2

# TCP finds the path MTU by itself: the VM sends 1500-byte segments (GSO
# super-packets on the veth) until the module's frag-needed lowers its MSS.
tcp() {
	local too_big
	ip -n "$a1" route flush cache
	ip -n "$a1" -6 route flush cache
	too_big=$(stat "$hv1" a1 too_big)
	tcp_transfer "$a1" "$a2" "$1" $((4 * 1024 * 1024)) &&
		[ "$(stat "$hv1" a1 too_big)" -gt "$too_big" ]
}
forget() { ip -n "$a1" route flush cache && ip -n "$a1" route get 10.0.0.2; }
check_no_match "a1 forgot the path MTU" 'mtu 1458' forget
check "TCP over IPv4 across hosts, 4 MiB, finds the path MTU" tcp 10.0.0.2
check "TCP over IPv6 across hosts, 4 MiB, finds the path MTU" tcp 2001:db8::2
check "TCP over IPv4 on one host, 4 MiB, at MTU 1500" \
	tcp_transfer "$a1" "$a3" 10.0.0.3 $((4 * 1024 * 1024))

# The MTU is the route's to the remote host: an operator's mtu metric wins.
check "a 1400-byte route MTU to hv2" ip -n "$hv1" route add 192.0.2.2/32 dev ul0 mtu 1400
check_fail_output "is reported as mtu 1358 to the VM" 'Frag needed and DF set \(mtu = 1358\)' \
	ping4 "$a3" 1372 do 10.0.0.2

ktap_finished

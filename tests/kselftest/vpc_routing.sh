#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko's distributed router, user routes via an appliance VM, plane
# failover and per-VPC counters.  Two hypervisors on two underlay planes:
#
#                 fabric netns: bridge br0 (plane 0), br1 (plane 1)
#         +---------------------------+---------------------------+
#   hv1 192.0.2.1 / 203.0.113.1               hv2 192.0.2.2 / 203.0.113.2
#   a1 10.0.0.1  a2 10.0.1.2                  a3 10.0.1.3  nat 10.0.2.5
#                                                          + 198.51.100.1
#   VPC 100, subnets 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24 (gateway .254),
#   route 198.51.100.0/24 via 10.0.2.5 (nat, an appliance with ip_forward,
#   its port allowed 198.51.100.0/24); gateway MAC 02:76:70:00:00:64.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
. "$(dirname "$0")/helpers/vpc_qos.sh"
require_cmd vpc nl_send ping setpriv tc jq

ktap_plan 54
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 a1 a2 a3 nat
topo_quiet "$fab" "$hv1" "$hv2" "$a1" "$a2" "$a3" "$nat"
topo_fabric 2
GWMAC=02:76:70:00:00:64

# vm VMNS HVNS PORT N SUBNET [PORTIP...]: VM 10.0.SUBNET.N, MAC ..:0N, default
# route via the subnet's gateway.
vm() {
	topo_vm "$1" "$2" "$3" 100 "02:00:00:00:00:0$4" "10.0.$5.$4/24" "${@:6}" &&
	ip -n "$1" route add default via "10.0.$5.254"
}
# map HVNS N SUBNET HOST: VM 10.0.SUBNET.N runs on hv HOST (1 or 2), both planes.
map() {
	vpc -n "$1" map add net 100 ip "10.0.$3.$2" mac "02:00:00:00:00:0$2" \
		host "192.0.2.$4,203.0.113.$4"
}

setup() {
	local h i
	for i in 1 2; do
		h=hv$i
		h=${!h}
		topo_underlay "$h" "hv$i" "192.0.2.$i" 0 &&
		topo_underlay "$h" "hv${i}p1" "203.0.113.$i" 1 &&
		vpc -n "$h" net add id 100 name tenant-a &&
		vpc -n "$h" underlay set local "192.0.2.$i" &&
		vpc -n "$h" underlay set local "203.0.113.$i" plane 1 &&
		vpc -n "$h" subnet add net 100 10.0.0.0/24 gw 10.0.0.254 &&
		vpc -n "$h" subnet add net 100 10.0.1.0/24 gw 10.0.1.254 &&
		vpc -n "$h" subnet add net 100 10.0.2.0/24 gw 10.0.2.254 || return 1
	done
	vm "$a1" "$hv1" a1 1 0 && vm "$a2" "$hv1" a2 2 1 &&
	vm "$a3" "$hv2" a3 3 1 && vm "$nat" "$hv2" nat 5 2 198.51.100.0/24 &&
	ip -n "$nat" link add dummy0 type dummy &&
	ip -n "$nat" addr add 198.51.100.1/24 dev dummy0 &&
	ip -n "$nat" link set dummy0 up &&
	ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1 &&
	map "$hv1" 3 1 2 && map "$hv1" 5 2 2 && map "$hv2" 1 0 1 && map "$hv2" 2 1 1
}
check "set up 2 hosts, 2 planes, 3 subnets, 4 VMs" setup

ping1() { ip netns exec "$1" ping -c 1 -W 2 "${@:3}" "$2"; }
pings() { ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 "$2"; }

check_output "subnets listed in order of prefix" \
	'^subnet net 100 10\.0\.0\.0/24 gw 10\.0\.0\.254 subnet net 100 10\.0\.1\.0/24 gw 10\.0\.1\.254 subnet net 100 10\.0\.2\.0/24 gw 10\.0\.2\.254 $' \
	oneline vpc -n "$hv1" subnet show net 100
check_output "subnet show -j" '^\[\{"net":100,"prefix":"10\.0\.0\.0/24","gw":"10\.0\.0\.254"\},' \
	vpc -n "$hv1" -j subnet show
check_output "the gateway MAC derives from the VPC id" "^net 100 name tenant-a gateway-mac $GWMAC\$" \
	vpc -n "$hv1" -d net show id 100

# The distributed router: TTL 64 at the sender, 63 after one routed hop.
check_output "same subnet is not routed (ttl=64)" 'ttl=64' ping1 "$a2" 10.0.1.3
check_output "across subnets on one host (a1 -> a2, ttl=63)" 'ttl=63' ping1 "$a1" 10.0.1.2
check_output "across subnets and hosts (a1 -> a3, ttl=63)" 'ttl=63' ping1 "$a1" 10.0.1.3
check "and back (a3 -> a1)" pings "$a3" 10.0.0.1
check_output "the VM's ARP for its gateway got the gateway MAC" "^10\.0\.0\.254 .*lladdr $GWMAC" \
	ip -n "$a1" neigh show 10.0.0.254
check_output "the gateway answers ping (ttl=64)" 'ttl=64' ping1 "$a1" 10.0.0.254
check_output "and counts it" '^[1-9]' vpc_stat "$hv1" port gw_echo_replies dev a1
check_output "routed frames are counted on the port" '^[1-9]' vpc_stat "$hv1" port routed_packets dev a1
before=$(vpc_stat "$hv1" port drop_ttl dev a1)
# TTL 1 fails, answered with time exceeded from the gateway of a1's subnet.
expired() {
	local out
	out=$(ping1 "$a1" 10.0.1.2 -t 1 2>&1) && return 1
	echo "$out"
	printf '%s\n' "$out" | grep -q '^From 10\.0\.0\.254 icmp_seq=1 Time to live exceeded'
}
check "TTL 1 is not routed: time exceeded from 10.0.0.254" expired
check "and is counted" test "$(vpc_stat "$hv1" port drop_ttl dev a1)" -gt "$before"
check_fail_output "an address in a subnet without a VM is not reached" '100% packet loss' ping1 "$a1" 10.0.1.99

# A user route via the appliance VM on hv2.
check_fail_output "no route yet to 198.51.100.1" '100% packet loss' ping1 "$a1" 198.51.100.1
check "route add on both hosts" sh -c "vpc -n $hv1 route add net 100 198.51.100.0/24 via 10.0.2.5 &&
	vpc -n $hv2 route add net 100 198.51.100.0/24 via 10.0.2.5"
check_output "route show" '^route net 100 198\.51\.100\.0/24 via 10\.0\.2\.5$' vpc -n "$hv1" route show
check_output "route show -j" '^\[\{"net":100,"prefix":"198\.51\.100\.0/24","via":"10\.0\.2\.5"\}\]$' \
	vpc -n "$hv1" -j route show net 100
check "via the appliance on another host (a1 -> 198.51.100.1)" pings "$a1" 198.51.100.1
check "via the appliance on the same host (a3 -> 198.51.100.1)" pings "$a3" 198.51.100.1
# The appliance would bounce it back too: count where hv1 dropped it.
before=$(vpc_stat "$hv1" port drop_no_dest dev a1)
check "a default route does not take a subnet's addresses" sh -c \
	"vpc -n $hv1 route add net 100 0.0.0.0/0 via 10.0.2.5 && ! ip netns exec $a1 ping -c 1 -W 1 10.0.1.99"
check "hv1 dropped it (no destination)" test "$(vpc_stat "$hv1" port drop_no_dest dev a1)" -gt "$before"
check "route del" sh -c "vpc -n $hv1 route del net 100 198.51.100.0/24 && vpc -n $hv1 route del net 100 0.0.0.0/0"
check_fail_output "and the appliance is out of reach again" '100% packet loss' ping1 "$a1" 198.51.100.1
vpc -n "$hv1" route add net 100 198.51.100.0/24 via 10.0.2.5

# Per-VPC counters: the sums of its ports, and its GRE receive.
net_stat() { vpc_stat "$1" net "$2" id 100; }
rx=$(net_stat "$hv1" rx_packets) routed=$(net_stat "$hv1" routed_packets)
encap=$(net_stat "$hv1" encap_packets) grerx=$(net_stat "$hv1" gre_rx_packets)
pings "$a1" 10.0.1.3 >/dev/null
check "per-VPC rx, routed, encap and GRE receive move" test \
	"$(net_stat "$hv1" rx_packets)" -ge $((rx + 3)) -a "$(net_stat "$hv1" routed_packets)" -ge $((routed + 3)) \
	-a "$(net_stat "$hv1" encap_packets)" -ge $((encap + 3)) -a "$(net_stat "$hv1" gre_rx_packets)" -ge $((grerx + 3))
check_output "per-VPC counters in JSON" '"id":100,"name":"tenant-a","rx_packets":[1-9].*"drop_ttl":[1-9]' \
	vpc -n "$hv1" -j -s net show
# counts_stay: the VPC's routed count stays when port a2, which routed some
# of it, goes.  Not tx_packets: a VM's ARP probe for its gateway (5 s after
# a ping used a stale entry) is answered, and counted, at any time.
counts_stay() {
	local a2 before after
	a2=$(vpc_stat "$hv1" port routed_packets dev a2) &&
		before=$(net_stat "$hv1" routed_packets) &&
		vpc -n "$hv1" port del dev a2 && after=$(net_stat "$hv1" routed_packets) || return 1
	echo "a2 routed $a2; net 100 routed $before with a2, $after without"
	# port del left the device down (vpc.md, "Isolation guarantees").
	vpc -n "$hv1" port add dev a2 net 100 mac 02:00:00:00:00:02 ip 10.0.1.2 &&
		ip -n "$hv1" link set a2 up &&
		[ "$a2" -gt 0 ] && [ "$after" -eq "$before" ]
}
check "a deleted port's counts stay with its VPC" counts_stay

# Plane failover: plane 0 between hv1 and hv2 breaks; both hosts mark it.
p1_packets() { ip netns exec "$fab" cat /sys/class/net/hv1p1/statistics/tx_packets; }
ip -n "$fab" link set hv1 down
check_fail_output "plane 0 broken: no ping" '100% packet loss' ping1 "$a1" 10.0.1.3
check "mark plane 0 down on both hosts" sh -c "vpc -n $hv1 underlay path 192.0.2.2 plane 0 down &&
	vpc -n $hv2 underlay path 192.0.2.1 plane 0 down"
check_output "underlay show lists the path" '^path 192\.0\.2\.2 plane 0 down$' vpc -n "$hv1" underlay show
check_output "underlay show -j lists the path" '\{"path":"192\.0\.2\.2","plane":0,"state":"down"\}' \
	vpc -n "$hv1" -j underlay show
# a1 with egress QoS: a tree on each plane's device (Documentation/vpc.md, "QoS").
qos_on() {
	vpc -n "$hv1" underlay set rate 100mbit && vpc -n "$hv1" underlay set plane 1 rate 100mbit &&
	vpc -n "$hv1" port set dev a1 qos egress min 1mbit max 100mbit
}
check "a1: qos egress, both planes at 100mbit" qos_on
A1_CLASS=$(qos_class "$hv1" a1) || true
A1_UL1=$(qos_bytes "$hv1" ul1 "$A1_CLASS") || A1_UL1=0
p1=$(p1_packets)
check "traffic moves to plane 1 (a1 -> a3)" pings "$a1" 10.0.1.3
check "and the appliance route too" pings "$a1" 198.51.100.1
check "plane 1 carried it" test "$(p1_packets)" -ge $((p1 + 6))
# Then the trees go, so that the underlay shows as before.
qos_plane1() {
	qos_sent_at_least "$hv1" ul1 "$A1_CLASS" $((A1_UL1 + 6 * 98)) &&
	vpc -n "$hv1" port set dev a1 qos off && vpc -n "$hv1" underlay set rate 0bit &&
	vpc -n "$hv1" underlay set plane 1 rate 0bit
}
check "plane 1's tree shaped a1's frames there (a1's class on ul1)" qos_plane1
check "plane-1 GRE is from a known host" test "$(vpc_stat "$hv1" underlay gre_drop_unknown_source)" -eq 0
check "plane 1 down as well" vpc -n "$hv1" underlay path 192.0.2.2 plane 1 down
check_fail_output "both planes down: no ping" '100% packet loss' ping1 "$a1" 10.0.1.3
check_output "and it is counted" '^[1-9]' vpc_stat "$hv1" port drop_no_path dev a1
check "plane 0 repaired and marked up" sh -c "ip -n $fab link set hv1 up &&
	vpc -n $hv1 underlay path 192.0.2.2 plane 0 up && vpc -n $hv1 underlay path 192.0.2.2 plane 1 up &&
	vpc -n $hv2 underlay path 192.0.2.1 plane 0 up"
check_output "no path listed" '^underlay local 192\.0\.2\.1 local1 203\.0\.113\.1 dev vpc-gre $' \
	oneline vpc -n "$hv1" underlay show
p1=$(p1_packets)
check "back on plane 0" busywait 5000 pings "$a1" 10.0.1.3
# The three replies would show; an ARP probe for the old path may not.
check "plane 1 idle" test "$(p1_packets)" -lt $((p1 + 3))

# Bad input is refused with the kernel's reason and changes nothing.
V="vpc -n $hv1"
check_fail_output "gateway outside the prefix" 'Invalid argument: vpc: the gateway is not inside the subnet' \
	$V subnet add net 100 10.0.3.0/24 gw 10.0.4.1
check_fail_output "gateway is the network address" 'vpc: the gateway is the network or broadcast address' \
	$V subnet add net 100 10.0.3.0/24 gw 10.0.3.0
check_fail_output "overlapping subnet" 'Invalid argument: vpc: overlaps another subnet of this VPC' \
	$V subnet add net 100 10.0.0.0/16 gw 10.0.9.1
check_fail_output "same subnet twice" 'File exists: vpc: this subnet exists' \
	$V subnet add net 100 10.0.0.0/24 gw 10.0.0.1
check_fail_output "route via outside every subnet" 'Invalid argument: vpc: the next hop is not inside a subnet' \
	$V route add net 100 192.168.0.0/16 via 172.16.0.1
check_fail_output "route via a gateway" 'vpc: the next hop is a subnet gateway' \
	$V route add net 100 192.168.0.0/16 via 10.0.0.254
check_fail_output "path on plane 2 (command line)" 'argument "2" is wrong' \
	$V underlay path 192.0.2.2 plane 2 down
check_fail_output "path on plane 2 (netlink)" '^error (22|34): .+: .+' \
	ip netns exec "$hv1" nl_send vpc "$(vpc_enum VPC_CMD_PATH_SET)" "hex:$(vpc_enum VPC_A_HOST)=c0000202" \
	"u8:$(vpc_enum VPC_A_PLANE)=2" "u8:$(vpc_enum VPC_A_PATH_STATE)=1"
# counts: subnets, routes and underlay paths of hv1.
counts() {
	local s r u
	s=$(lines $V subnet show) && r=$(lines $V route show) && u=$($V underlay show) || return 1
	echo "$s $r $(grep -c path <<<"$u")"
}
check_output "nothing changed" '^3 1 0$' counts

ktap_finished

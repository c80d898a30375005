#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko's IPv6 datapath: dual-stack VMs of two tenants with the same
# addresses and MACs on two hypervisors; neighbour discovery answered by
# the module; IPv6 port security; plain TCP over IPv4 and IPv6; the vpc
# command's IPv6 syntax; IPv6 subnets, the distributed router and user
# routes for IPv6, and ICMP time exceeded for both families (VPC 300, its
# own diagram below).
#
#                 fabric netns: bridge br0
#        +-------------------+-------------------+
#   hv1 192.0.2.1                          hv2 192.0.2.2
#   a1 a3 | b1                             a2 | b2
#
#   tenant A = VPC 100: a1 (hv1), a2 (hv2), a3 (hv1)
#   tenant B = VPC 200: b1 (hv1), b2 (hv2)
#   VM N of either tenant: 10.0.0.N/24, 2001:db8::N/64, MAC 02:00:00:00:00:0N.
#   hv2 also maps 2001:db8::9 of A to hv1, where no such port exists.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc nl_send ping tcpdump tcp_xfer

ktap_plan 72
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 a1 a2 a3 b1 b2

# The underlay is IPv4 only.  The VMs neither probe for duplicates nor
# solicit routers, so every ND counter below moves only by what a case does.
topo_quiet "$fab" "$hv1" "$hv2"
quiet_ipv6 "$a1" "$a2" "$a3" "$b1" "$b2"

topo_fabric 1
topo_underlay "$hv1" hv1 192.0.2.1
topo_underlay "$hv2" hv2 192.0.2.2

MTU=1458	# 1500 underlay - 20 outer IPv4 - 8 GRE with key - 14 inner Ethernet
vm() { dual_vm "$@" $MTU; }

setup() {
	local h
	for h in "$hv1" "$hv2"; do
		vpc -n "$h" net add id 100 name tenant-a || return 1
		vpc -n "$h" net add id 200 name tenant-b || return 1
	done
	vpc -n "$hv1" underlay set local 192.0.2.1 &&
	vpc -n "$hv2" underlay set local 192.0.2.2 &&
	vm "$a1" "$hv1" a1 100 1 && vm "$a3" "$hv1" a3 100 3 && vm "$b1" "$hv1" b1 200 1 &&
	vm "$a2" "$hv2" a2 100 2 && vm "$b2" "$hv2" b2 200 2 &&
	dual_map "$hv1" 100 2 192.0.2.2 && dual_map "$hv1" 200 2 192.0.2.2 &&
	dual_map "$hv2" 100 1 192.0.2.1 && dual_map "$hv2" 100 3 192.0.2.1 &&
	dual_map "$hv2" 200 1 192.0.2.1 && dual_map "$hv2" 100 9 192.0.2.1
}
check "set up 2 hosts, 2 tenants, 5 dual-stack VMs" setup

# grew BEFORE HVNS PORT NAME: the counter is now above BEFORE.
grew() { [ "$(stat "$2" "$3" "$4")" -gt "$1" ]; }

check "A: ping6 across hosts (a1 -> a2)" pings "$a1" 2001:db8::2
check "B: ping6 across hosts, same IPs and MACs (b1 -> b2)" pings "$b1" 2001:db8::2
check "A: ping6 on one host (a1 -> a3)" pings "$a1" 2001:db8::3
check "A: reverse path (a2 -> a3)" pings "$a2" 2001:db8::3

# Neighbour discovery is answered on the VM's own host: while a1 resolves
# a2 again, no ND crosses the underlay, only the ping itself in GRE.
pcap=/tmp/vpc-ipv6.$$
defer "rm -f $pcap $pcap.log"
ip netns exec "$hv1" tcpdump --immediate-mode -n -U -i ul0 -w "$pcap" proto gre \
	>/dev/null 2>"$pcap.log" &
capture=$!
defer "kill $capture 2>/dev/null"
check "tcpdump listens on hv1's underlay" busywait 30000 grep -q listening "$pcap.log"
nd_before=$(stat "$hv1" a1 nd_replies)
ip -n "$a1" -6 neigh flush dev eth0
check "ND resolved after a flush" pings "$a1" 2001:db8::2
kill -INT "$capture"
wait "$capture"
check_output "the answer is the mapped MAC" '^2001:db8::2 .*lladdr 02:00:00:00:00:02' \
	ip -n "$a1" -6 neigh show 2001:db8::2
check "hv1 answered the solicitation itself" grew "$nd_before" "$hv1" a1 nd_replies
check_output "the echo requests crossed the underlay in GRE key 100" \
	'GREv0, key=0x64.*IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request' \
	tcpdump -n -r "$pcap"
check_no_match "but no neighbour discovery did" 'neighbor (solicitation|advertisement)' \
	tcpdump -n -r "$pcap"

drop_nd=$(stat "$hv1" a1 drop_nd)
check_fail_output "ND for an unknown address is not answered" '100% packet loss' pings "$a1" 2001:db8::99
check "and is counted" grew "$drop_nd" "$hv1" a1 drop_nd
# Link-local addresses are for ND with the module only: never forwarded.
ll3=$(ip -n "$a3" -6 addr show dev eth0 scope link | awk '$1 == "inet6" { sub("/.*", "", $2); print $2 }')
drop_nd=$(stat "$hv1" a1 drop_nd)
check_fail_output "link-local ping to a3 does not get through" '100% packet loss' pings "$a1" "$ll3%eth0"
check "and its ND is counted" grew "$drop_nd" "$hv1" a1 drop_nd

# Port security: a source that is not the port's is dropped and counted.
ip -n "$a1" addr add 2001:db8::77/128 dev eth0 nodad
spoof=$(stat "$hv1" a1 drop_spoof_ip)
check_fail_output "spoofed IPv6 source does not get through" '100% packet loss' \
	ip netns exec "$a1" ping -q -c 2 -i 0.2 -W 1 -I 2001:db8::77 2001:db8::2
check "and is counted" grew "$spoof" "$hv1" a1 drop_spoof_ip
ip -n "$a1" addr del 2001:db8::77/128 dev eth0

# Multicast other than ND is dropped and counted, never flooded.
multicast() {
	local drops tx
	drops=$(stat "$hv1" a1 drop_unsupported)
	tx=$(stat "$hv1" a3 tx_packets)
	ip netns exec "$a1" ping -q -c 3 -i 0.2 -W 1 -I eth0 ff02::1
	[ "$(stat "$hv1" a1 drop_unsupported)" -ge $((drops + 3)) ] &&
		[ "$(stat "$hv1" a3 tx_packets)" -eq "$tx" ]
}
check "ping ff02::1 is dropped, counted and not flooded to a3" multicast

# Inner IPv6 from the underlay must be for a port of that VPC on this host.
no_port=$(stat "$hv1" - gre_drop_no_port)
check_fail_output "A: 2001:db8::9 is mapped to hv1 but has no port there" '100% packet loss' pings "$a2" 2001:db8::9
check "hv1 dropped and counted the inner IPv6" grew "$no_port" "$hv1" - gre_drop_no_port

# Tenant B sees nothing of tenant A's traffic to the same addresses.
isolated() {
	local tx
	tx=$(stat "$hv2" b2 tx_packets)
	pings "$a1" 2001:db8::2 && [ "$(stat "$hv2" b2 tx_packets)" -eq "$tx" ]
}
check "A's ping6 to 2001:db8::2 never reaches B's 2001:db8::2" isolated

MB=$((2 * 1024 * 1024))
check "TCP over IPv6 across hosts (a1 -> a2, 2 MiB)" tcp_transfer "$a1" "$a2" 2001:db8::2 $MB
check "TCP over IPv6 on one host (a1 -> a3, 2 MiB)" tcp_transfer "$a1" "$a3" 2001:db8::3 $MB
check "TCP over IPv4 across hosts (a1 -> a2, 2 MiB)" tcp_transfer "$a1" "$a2" 10.0.0.2 $MB
check "TCP over IPv4 on one host (a3 -> a1, 2 MiB)" tcp_transfer "$a3" "$a1" 10.0.0.1 $MB

# The vpc command speaks IPv6.
V="vpc -n $hv1"
check_output "port show prints IPv6" \
	'^port a1 net 100 mac 02:00:00:00:00:01 ip 10\.0\.0\.1/32,2001:db8::1/128$' $V port show dev a1
check_output "port show -j too" '"ip":"10\.0\.0\.1/32,2001:db8::1/128"' $V -j port show dev a1
check_output "map show prints an IPv6 mapping" \
	'^map net 100 ip 2001:db8::2 mac 02:00:00:00:00:02 host 192\.0\.2\.2$' \
	$V map show net 100 ip 2001:db8::2
check_output "map show -j too" '"ip":"2001:db8::2"' $V -j map show net 100
batch() {
	local maps
	printf '%s\n' "map add net 100 ip 2001:db8::50 mac 02:00:00:00:00:50 host 192.0.2.2" \
		"map add net 100 ip 2001:db8:1::51 mac 02:00:00:00:00:51 host 192.0.2.2" \
		"map replace net 100 ip 2001:db8:1::51 mac 02:00:00:00:00:52 host 192.0.2.2" \
		"map del net 100 ip 2001:db8::50" | $V -batch - || return 1
	maps=$($V map show net 100) || return 1
	echo "$maps"
	! grep -q '2001:db8::50 ' <<<"$maps" &&
		grep -q '^map net 100 ip 2001:db8:1::51 mac 02:00:00:00:00:52 ' <<<"$maps"
}
check "vpc -batch adds, replaces and deletes IPv6 mappings" batch
ip -n "$hv1" link add spare0 type veth peer name spare1
check_fail_output "a link-local port address is refused" 'vpc: not a unicast IPv6 address' \
	$V port add dev spare0 net 100 mac 02:00:00:00:00:05 ip fe80::5
check_fail_output "IPv6 prefix with host bits is refused" 'vpc: address has bits set beyond its prefix' \
	$V port add dev spare0 net 100 mac 02:00:00:00:00:05 ip 2001:db8:5::1/64
check_fail_output "a multicast mapping is refused" 'vpc: not a unicast IPv6 address' \
	$V map add net 100 ip ff02::1 mac 02:00:00:00:00:05 host 192.0.2.2
NS="ip netns exec $hv1 nl_send vpc"
map_new=$(vpc_enum VPC_CMD_MAP_NEW)
a_ip6=$(vpc_enum VPC_A_IP6)
check_fail_output "IPv6 of the wrong length is refused with a message" '^error (22|34): .*: .+' \
	$NS $map_new u32:1=100 hex:$a_ip6=20010db8 hex:7=020000000005 hex:10=c0000202
check_fail_output "IPv4 and IPv6 in one mapping is EINVAL" '^error 22: .*both an IPv4 and an IPv6' \
	$NS $map_new u32:1=100 hex:9=0a000005 hex:$a_ip6=20010db8000000000000000000000005 \
	hex:7=020000000005 hex:10=c0000202

# The distributed router, IPv4 and IPv6 side by side: VPC 300 (gateway MAC
# 02:76:70:00:01:2c) with subnets 10.3.1.0/24, 10.3.2.0/24 (gateway .254)
# and 2001:db8:1::/64, 2001:db8:2::/64 (gateway ::1) on both hosts:
#   r1 10.3.1.11, 2001:db8:1::11 (hv1)    r3 10.3.2.13, 2001:db8:2::13 (hv2)
#   r2 10.3.2.12, 2001:db8:2::12 (hv1)    app 10.3.1.10, 2001:db8:1::10 (hv2)
# app is an appliance answering for 2001:db8:99::1, its port allowed
# 2001:db8:99::/48; route 2001:db8:99::/48 via 2001:db8:1::10.
setup_ns r1 r2 r3 app
quiet_ipv6 "$r1" "$r2" "$r3" "$app"
GW6MAC=02:76:70:00:01:2c

# rvm VMNS HVNS PORT N SUBNET [PORTIP...]: VM 10.3.SUBNET.N and
# 2001:db8:SUBNET::N, MAC 02:00:00:00:03:N, default routes via the gateways.
rvm() {
	topo_vm "$1" "$2" "$3" 300 "02:00:00:00:03:$4" "10.3.$5.$4/24" \
		"2001:db8:$5::$4" "${@:6}" &&
	ip -n "$1" addr add "2001:db8:$5::$4/64" dev eth0 nodad &&
	ip -n "$1" route add default via "10.3.$5.254" &&
	ip -n "$1" -6 route add default via "2001:db8:$5::1"
}
# rmap HVNS N SUBNET HOSTIP: both addresses of VM N are on HOSTIP.
rmap() {
	vpc -n "$1" map add net 300 ip "10.3.$3.$2" mac "02:00:00:00:03:$2" host "$4" &&
	vpc -n "$1" map add net 300 ip "2001:db8:$3::$2" mac "02:00:00:00:03:$2" host "$4"
}
router_setup() {
	local h
	for h in "$hv1" "$hv2"; do
		vpc -n "$h" net add id 300 name tenant-r &&
		vpc -n "$h" subnet add net 300 2001:db8:1::/64 gw 2001:db8:1::1 &&
		vpc -n "$h" subnet add net 300 10.3.1.0/24 gw 10.3.1.254 &&
		vpc -n "$h" subnet add net 300 2001:db8:2::/64 gw 2001:db8:2::1 &&
		vpc -n "$h" subnet add net 300 10.3.2.0/24 gw 10.3.2.254 || return 1
	done
	rvm "$r1" "$hv1" r1 11 1 && rvm "$r2" "$hv1" r2 12 2 &&
	rvm "$r3" "$hv2" r3 13 2 && rvm "$app" "$hv2" app 10 1 2001:db8:99::/48 &&
	ip -n "$app" link add dummy0 type dummy &&
	ip -n "$app" addr add 2001:db8:99::1/48 dev dummy0 nodad &&
	ip -n "$app" link set dummy0 up &&
	rmap "$hv1" 13 2 192.0.2.2 && rmap "$hv1" 10 1 192.0.2.2 &&
	rmap "$hv2" 11 1 192.0.2.1 && rmap "$hv2" 12 2 192.0.2.1
}
check "router: VPC 300 with IPv4 and IPv6 subnets, 4 VMs" router_setup

V="vpc -n $hv1"
check_output "subnet show lists both families" \
	'subnet net 300 2001:db8:1::/64 gw 2001:db8:1::1 .*subnet net 300 10\.3\.1\.0/24 gw 10\.3\.1\.254 ' \
	oneline $V subnet show net 300
check_output "subnet show -j prints IPv6" \
	'\{"net":300,"prefix":"2001:db8:2::/64","gw":"2001:db8:2::1"\}' $V -j subnet show net 300
mon=/tmp/vpc-ipv6-mon.$$
$V monitor >"$mon" 2>&1 &
defer "kill $!; rm -f $mon"
# It has joined once it reports a change made after it started: repeat.
monitor_v6() {
	$V subnet add net 300 2001:db8:5::/64 gw 2001:db8:5::1 &&
	$V subnet del net 300 2001:db8:5::/64 &&
	grep -q '^add subnet net 300 2001:db8:5::/64 gw 2001:db8:5::1$' "$mon" &&
	grep -q '^del subnet net 300 2001:db8:5::/64 gw 2001:db8:5::1$' "$mon"
}
check "monitor reports an IPv6 subnet added and deleted, with its gateway" busywait 10000 monitor_v6
check_fail_output "an overlapping IPv6 subnet is refused" \
	'Invalid argument: vpc: overlaps another subnet of this VPC' \
	$V subnet add net 300 2001:db8:1::/48 gw 2001:db8:1::5
check_fail_output "an IPv6 gateway outside the subnet is refused" \
	'Invalid argument: vpc: the gateway is not inside the subnet' \
	$V subnet add net 300 2001:db8:3::/64 gw 2001:db8:4::1
check_fail_output "the subnet-router anycast address as gateway is refused" \
	'vpc: the gateway is the subnet-router anycast address' \
	$V subnet add net 300 2001:db8:3::/64 gw 2001:db8:3::
check_fail_output "a gateway of the other family is refused" "\"gw\" must be of the prefix's family" \
	$V subnet add net 300 2001:db8:3::/64 gw 10.3.3.1
check_fail_output "prefix length 129 is refused by the command" 'not an IPv4 or IPv6 prefix' \
	$V subnet add net 300 2001:db8:3::/129 gw 2001:db8:3::1
# Nests by hand: NLA_F_NESTED | type; ip6 (3) 2001:db8:3::, plen (2) 129.
nest=$((0x8000))
check_fail_output "prefix length 129 over netlink is EINVAL with a message" \
	'^error 22: .*IPv6 prefix length above 128' \
	ip netns exec "$hv1" nl_send vpc "$(vpc_enum VPC_CMD_SUBNET_NEW)" u32:1=300 \
	"hex:$((nest | $(vpc_enum VPC_A_PREFIX)))=1400030020010db80003000000000000000000000500020081000000" \
	"hex:$((nest | $(vpc_enum VPC_A_GW)))=1400030020010db8000300000000000000000001"
check_output "nothing changed" '^4$' lines $V subnet show net 300

# Neighbour discovery and ping for the IPv6 gateway, answered on r1's host.
ping1() { ip netns exec "$1" ping -c 1 -W 2 "${@:3}" "$2"; }
echo_before=$(stat "$hv1" r1 gw_echo_replies)
check_output "ping6 of the gateway is answered (hop limit 64)" 'ttl=64' ping1 "$r1" 2001:db8:1::1
check "and counted" grew "$echo_before" "$hv1" r1 gw_echo_replies
check_output "ND for the gateway got the gateway MAC, as a router" \
	"^2001:db8:1::1 .*lladdr $GW6MAC router" ip -n "$r1" -6 neigh show 2001:db8:1::1

# IPv6 routing: hop limit 64 at the sender, 63 after one routed hop.
check_output "IPv6 across subnets on one host (r1 -> r2, ttl=63)" 'ttl=63' ping1 "$r1" 2001:db8:2::12
check_output "IPv6 across subnets and hosts (r1 -> r3, ttl=63)" 'ttl=63' ping1 "$r1" 2001:db8:2::13
check "and back (r3 -> r1)" pings "$r3" 2001:db8:1::11
check_output "IPv4 beside it (r1 -> r3, ttl=63)" 'ttl=63' ping1 "$r1" 10.3.2.13
check_fail_output "an IPv6 address in a subnet without a VM is not reached" '100% packet loss' ping1 "$r1" 2001:db8:2::99

# An IPv6 user route via the appliance on hv2.
check_fail_output "no route yet to 2001:db8:99::1" '100% packet loss' ping1 "$r2" 2001:db8:99::1
check "IPv6 route add on both hosts" sh -c \
	"vpc -n $hv1 route add net 300 2001:db8:99::/48 via 2001:db8:1::10 &&
	vpc -n $hv2 route add net 300 2001:db8:99::/48 via 2001:db8:1::10"
check_output "route show prints it" '^route net 300 2001:db8:99::/48 via 2001:db8:1::10$' \
	$V route show net 300
check_output "route show -j too" '^\[\{"net":300,"prefix":"2001:db8:99::/48","via":"2001:db8:1::10"\}\]$' \
	$V -j route show net 300
check "via the appliance on another host (r2 -> 2001:db8:99::1)" pings "$r2" 2001:db8:99::1
check "via the appliance on the same host (r3 -> 2001:db8:99::1)" pings "$r3" 2001:db8:99::1
check_fail_output "an IPv6 next hop outside every subnet is refused" \
	'Invalid argument: vpc: the next hop is not inside a subnet' \
	$V route add net 300 2001:db8:98::/48 via 2001:db8:7::10
check_fail_output "an IPv6 gateway as next hop is refused" 'vpc: the next hop is a subnet gateway' \
	$V route add net 300 2001:db8:98::/48 via 2001:db8:2::1
check_fail_output "an IPv6 route inside a subnet is refused" 'vpc: the prefix is inside a subnet' \
	$V route add net 300 2001:db8:2::/80 via 2001:db8:1::10
# route_del: the route goes, and net 300 has none left.
route_del() {
	local routes
	$V route del net 300 2001:db8:99::/48 && routes=$($V route show net 300) || return 1
	echo "routes: $routes"
	[ -z "$routes" ]
}
check "IPv6 route del" route_del
check_fail_output "and the appliance is out of reach from hv1" '100% packet loss' ping1 "$r2" 2001:db8:99::1

# ICMP time exceeded from the gateway of the sender's subnet.
# expired VMNS DEST FROM MSG: ping with TTL 1 fails and reports MSG from FROM.
expired() {
	local out
	out=$(ip netns exec "$1" ping -c 1 -W 2 -t 1 "$2" 2>&1) && return 1
	echo "$out"
	printf '%s\n' "$out" | grep -E -q "^From $3 icmp_seq=1 $4"
}
ttl_before=$(stat "$hv1" r1 drop_ttl)
check "ping -t 1 across the router: time to live exceeded from 10.3.1.254" \
	expired "$r1" 10.3.2.13 '10\.3\.1\.254' 'Time to live exceeded'
check "and drop_ttl counted it" grew "$ttl_before" "$hv1" r1 drop_ttl
ttl_before=$(stat "$hv1" r1 drop_ttl)
check "ping -6 -t 1 across the router: hop limit exceeded from 2001:db8:1::1" \
	expired "$r1" 2001:db8:2::12 '2001:db8:1::1' 'Time exceeded: Hop limit'
check "and drop_ttl counted it" grew "$ttl_before" "$hv1" r1 drop_ttl

# A routed frame too big for the underlay is answered by the router too:
# from the gateway of the sender's subnet (r1 at MTU 1500 for this).
ip -n "$r1" link set eth0 mtu 1500
ip -n "$hv1" link set r1 mtu 1500
check_fail_output "routed DF ping of 1500 bytes: frag-needed from 10.3.1.254" \
	'^From 10\.3\.1\.254 icmp_seq=1 Frag needed and DF set \(mtu = 1458\)' \
	ip netns exec "$r1" ping -c 1 -W 2 -s 1472 -M do 10.3.2.13
check_fail_output "routed ping -6 of 1500 bytes: packet too big from 2001:db8:1::1" \
	'^From 2001:db8:1::1 icmp_seq=1 Packet too big: mtu=1458' \
	ip netns exec "$r1" ping -6 -c 1 -W 2 -s 1452 -M do 2001:db8:2::13

check "module unloads with IPv6 ports and mappings" rmmod vpc

ktap_finished

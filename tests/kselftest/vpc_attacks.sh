#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tenant edge of vpc.ko under attack: frames crafted by a VM (scapy,
# one python process for the whole suite) must reach no other tenant, no
# other VM's traffic, the fabric or the host, and each is dropped and
# counted.  Every capture point is proven live by a control frame that
# must arrive.
#
#                      fabric netns: bridge br0 (captured on both ports)
#             +---------------------------+---------------------------+
#        hv1 192.0.2.1                                           hv2 192.0.2.2
#        a1 (attacker) a3 | b1                                   a2 a4 (idle) | b2
#
#   tenant A = VPC 100, tenant B = VPC 200, both 10.0.0.0/24 (gateway
#   .254) and 2001:db8::/64: VM N of either tenant is 10.0.0.N,
#   2001:db8::N, MAC 02:00:00:00:00:0N.  The hosts keep IPv6 on (the
#   default) except on their underlay, so that what their stacks would
#   send into a VM shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc tcpdump ping
require_scapy

ktap_plan 51
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 a1 a2 a3 a4 b1 b2
topo_quiet "$fab"
# VMs that neither probe nor solicit: what reaches them is what the test sent.
quiet_ipv6 "$a1" "$a2" "$a3" "$a4" "$b1" "$b2"
work=$(mktemp -d /tmp/vpc-attacks.XXXXXX)
defer "rm -rf $work"

GW=02:76:70:00:00:64	# VPC 100's gateway MAC
mac() { echo "02:00:00:00:00:0$1"; }

# vm VMNS HVNS PORT VPC N: VM N of VPC; its port is created down, bound,
# and only then brought up, as the guarantee wants it.
vm() {
	ip link add eth0 netns "$1" type veth peer name "$3" netns "$2" &&
	ip -n "$1" link set eth0 address "$(mac "$5")" mtu $VPC_VM_MTU up &&
	ip -n "$1" addr add "10.0.0.$5/24" dev eth0 &&
	ip -n "$1" addr add "2001:db8::$5/64" dev eth0 nodad &&
	ip -n "$2" link set "$3" mtu $VPC_VM_MTU &&
	vpc -n "$2" port add dev "$3" net "$4" mac "$(mac "$5")" ip "10.0.0.$5" ip "2001:db8::$5" &&
	ip -n "$2" link set "$3" up
}
setup() {
	local h n
	topo_fabric 1
	for h in "$hv1" "$hv2"; do
		# No IPv6 on the underlay: the fabric carries only what the VPCs send.
		ip netns exec "$h" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	topo_underlay "$hv1" hv1 192.0.2.1 && topo_underlay "$hv2" hv2 192.0.2.2 || return 1
	for h in "$hv1" "$hv2"; do
		ip netns exec "$h" sysctl -qw net.ipv6.conf.default.disable_ipv6=0 &&
		vpc -n "$h" net add id 100 name tenant-a && vpc -n "$h" net add id 200 name tenant-b &&
		for n in 100 200; do
			vpc -n "$h" subnet add net $n 10.0.0.0/24 gw 10.0.0.254 &&
			vpc -n "$h" subnet add net $n 2001:db8::/64 gw 2001:db8::fffe || return 1
		done || return 1
	done
	vpc -n "$hv1" underlay set local 192.0.2.1 && vpc -n "$hv2" underlay set local 192.0.2.2 &&
	vm "$a1" "$hv1" a1 100 1 && vm "$a3" "$hv1" a3 100 3 && vm "$b1" "$hv1" b1 200 1 &&
	vm "$a2" "$hv2" a2 100 2 && vm "$b2" "$hv2" b2 200 2 &&
	dual_map "$hv1" 100 2 192.0.2.2 && dual_map "$hv1" 100 4 192.0.2.2 &&
	dual_map "$hv1" 200 2 192.0.2.2 &&
	dual_map "$hv2" 100 1 192.0.2.1 && dual_map "$hv2" 100 3 192.0.2.1 &&
	dual_map "$hv2" 200 1 192.0.2.1
}
check "set up 2 hosts, 2 tenants with the same IPs and MACs" setup
log "set up at ${SECONDS}s"

# Captures: what arrives at each VM (-Q in), what each host puts on the
# fabric; all for the whole suite.
capture_pids=()
capture() {
	local ns=$1 dev=$2 f=$work/$3
	ip netns exec "$ns" tcpdump --immediate-mode -n -U -Q in -i "$dev" -w "$f.pcap" \
		>/dev/null 2>"$f.log" &
	capture_pids+=($!)
	defer "kill $! 2>/dev/null"
	busywait 30000 grep -q listening "$f.log"
}
captures() {
	capture "$a1" eth0 a1 && capture "$a2" eth0 a2 && capture "$a3" eth0 a3 &&
	capture "$b1" eth0 b1 && capture "$b2" eth0 b2 &&
	capture "$fab" hv1 fab1 && capture "$fab" hv2 fab2
}
check_here "tcpdump listens in a1 a2 a3 b1 b2 and on the fabric" captures

# The idle VM: bound while its port is down, captured, then brought up.
idle_up() {
	ip link add eth0 netns "$a4" type veth peer name a4 netns "$hv2" &&
	ip -n "$a4" link set eth0 address "$(mac 4)" mtu $VPC_VM_MTU up &&
	ip -n "$hv2" link set a4 mtu $VPC_VM_MTU &&
	vpc -n "$hv2" port add dev a4 net 100 mac "$(mac 4)" ip 10.0.0.4 ip 2001:db8::4 &&
	capture "$a4" eth0 a4 && ip -n "$hv2" link set a4 up
}
check_here "an idle VM a4 is bound down, captured, brought up" idle_up

# The control plane's view of misses.
ip netns exec "$hv1" vpc monitor >"$work/monitor" 2>&1 &
defer "kill $! 2>/dev/null"

# The attacker's frame factory, and the way to drive it.
mkfifo "$work/a1.in" "$work/b1.in"
ip netns exec "$a1" "$PY" "$REPO/tests/kselftest/helpers/vpc_frames.py" \
	<"$work/a1.in" >"$work/a1.out" 2>&1 &
defer "kill $! 2>/dev/null"
exec 7>"$work/a1.in"
ip netns exec "$b1" "$PY" "$REPO/tests/kselftest/helpers/vpc_frames.py" \
	<"$work/b1.in" >"$work/b1.out" 2>&1 &
defer "kill $! 2>/dev/null"
exec 8>"$work/b1.in"
check "the frame factories run in a1 and b1" busywait 60000 \
	sh -c "grep -q ready $work/a1.out && grep -q ready $work/b1.out"

# counters HVNS PORT: every counter of the port, "name value" a line.
counters() { vpc -n "$1" -s port show dev "$2" | awk 'NF == 2 && $2 ~ /^[0-9]+$/'; }
# moved BEFORE AFTER: the counters that moved, "name +delta".
moved() {
	awk 'NR == FNR { b[$1] = $2; next } $2 != b[$1] { printf "%s +%d ", $1, $2 - b[$1] }' \
		<(echo "$1") <(echo "$2")
}
# send FD OUT NAME KIND ARGS...: have the factory send NAME's frames.
send() {
	local fd=$1 out=$2 name=$3
	shift 3
	echo "$name $*" >&"$fd"
	busywait 60000 grep -q "^done $name " "$out" >/dev/null
}
# attack_from VM NAME WANT CMD-ARGS...: VM (a1 or b1) sends NAME's frames;
# the case passes when its port counted them all as WANT.  The frames seen
# by the victims, the fabric and the host are checked for the whole suite
# below, against the controls.
attack_from() {
	local vm=$1 name=$2 want=$3 before after n delta fd=7 id
	shift 3
	[ "$vm" = a1 ] || fd=8
	attack_id=$((attack_id + 1))
	id=case$attack_id
	before=$(counters "$hv1" "$vm")
	send $fd "$work/$vm.out" "$id" "$@" || { ktap_fail "$name: not sent"; return; }
	n=$(awk -v c="$id" '$1 == "done" && $2 == c { print $3 }' "$work/$vm.out")
	after=$(counters "$hv1" "$vm")
	delta=$(($(awk -v k="$want" '$1 == k { print $2 }' <<<"$after") -
		$(awk -v k="$want" '$1 == k { print $2 }' <<<"$before")))
	log "$name: sent $n; moved: $(moved "$before" "$after")(at ${SECONDS}s)"
	KSFT_OUT="sent $n, $want +$delta"
	ksft_verdict "$name: all $n dropped as $want" \
		"$([ "$delta" -eq "$n" ] || echo "$want moved by $delta, not $n")" attack
}
attack_id=0
attack() { attack_from a1 "$@"; }

A1="mac=$(mac 1) ip=10.0.0.1 ip6=2001:db8::1"
attack "ARP reply spoof (10.0.0.3 is-at a1, to a3)" drop_spoof_ip \
	arp-reply mac="$(mac 1)" ip=10.0.0.3 dmac="$(mac 3)" dip=10.0.0.3
attack "gratuitous ARP poisoning of a neighbour (10.0.0.2)" drop_spoof_ip \
	garp mac="$(mac 1)" ip=10.0.0.2
attack "ARP request with a forged sender (tell 10.0.0.2)" drop_spoof_ip \
	arp-req mac="$(mac 1)" ip=10.0.0.2 dip=10.0.0.3
attack "MAC spoof (a3's MAC)" drop_spoof_mac \
	ip4 mac="$(mac 3)" ip=10.0.0.1 dmac="$(mac 2)" dip=10.0.0.2
attack "IPv4 source spoof (10.0.0.3)" drop_spoof_ip \
	ip4 mac="$(mac 1)" ip=10.0.0.3 dmac="$(mac 2)" dip=10.0.0.2
attack "IPv6 source spoof (2001:db8::3)" drop_spoof_ip \
	ip6 mac="$(mac 1)" ip6=2001:db8::3 dmac="$(mac 2)" dip6=2001:db8::2
attack "rogue router advertisement" drop_nd ra mac="$(mac 1)" ip6=fe80::1
attack "rogue DHCP offer (broadcast)" drop_unsupported dhcp-offer $A1
attack "forged neighbour advertisement (2001:db8::3 is a1)" drop_spoof_ip \
	na $A1 tgt=2001:db8::3
attack "MAC flooding: 2000 random source MACs" drop_spoof_mac \
	macflood $A1 dmac="$(mac 2)" dip=10.0.0.2 n=2000
attack "unknown unicast (10.0.0.77, a random MAC)" drop_no_dest \
	ip4 $A1 dmac=02:12:34:56:78:9a dip=10.0.0.77 n=50
attack "to tenant B through B's gateway MAC" drop_no_dest \
	ip4 $A1 dmac=02:76:70:00:00:c8 dip=10.0.0.2
attack "to tenant B's VM MAC on another host's IP" drop_no_dest \
	ip4 $A1 dmac="$(mac 2)" dip=10.0.0.12
# The two counter-order fixes: the doc's order (sender first; broadcast
# is unsupported) is the code's.
attack "ARP reply with a forged sender counts as spoof, not ARP" drop_spoof_ip \
	arp-reply mac="$(mac 1)" ip=10.0.0.2 dmac="$GW" dip=10.0.0.254
attack "the subnet broadcast in a unicast frame is unsupported" drop_unsupported \
	ip4 $A1 dmac="$(mac 3)" dip=10.0.0.255
misses() {
	echo "$(grep -c 'miss net 100 ip 10.0.0.77 ' "$work/monitor")" \
		"$(grep -m1 'miss net 100 ip 10.0.0.77 ' "$work/monitor")"
}
check "50 frames to an unknown address of the subnet: announced once as a miss" \
	busywait 5000 matches '^1 miss net 100 ip 10\.0\.0\.77 dev a1$' misses
# A miss is announced for the first frame too: an ARP request or a
# neighbour solicitation for an address of the subnet that nobody has.
attack "ARP request for an unknown address of the subnet (10.0.0.78)" drop_arp \
	arp-req $A1 dip=10.0.0.78
attack "neighbour solicitation for one (2001:db8::78)" drop_nd ns $A1 tgt=2001:db8::78
check "both announced as misses" busywait 5000 sh -c \
	"grep -q '^miss net 100 ip 10\.0\.0\.78 dev a1$' $work/monitor &&
	grep -q '^miss net 100 ip 2001:db8::78 dev a1$' $work/monitor"
# Cross-tenant from b1: 10.0.0.3 is A's only, a3's MAC is A's.
attack_from b1 "b1 to A's 10.0.0.3 with a3's MAC" drop_no_dest \
	ip4 mac="$(mac 1)" ip=10.0.0.1 dmac="$(mac 3)" dip=10.0.0.3 n=5

# The host is out of reach.  Its port devices have no IPv6 at all.
check_no_match "a1's port device has no IPv6 address" . ip -n "$hv1" -6 addr show dev a1
check_output "and IPv6 is off on it" '^1$' \
	ip netns exec "$hv1" cat /proc/sys/net/ipv6/conf/a1/disable_ipv6
# InReceives of IPv4 (the 3rd value of /proc/net/snmp's Ip: line) and IPv6.
ip_in() { ip netns exec "$1" awk '$1 == "Ip:" && $4 ~ /^[0-9]+$/ { print $4 }' /proc/net/snmp; }
ip6_in() { ip netns exec "$1" awk '$1 == "Ip6InReceives" { print $2 }' /proc/net/snmp6; }
host_before="$(ip_in "$hv1") $(ip6_in "$hv1")"
portmac=$(ip -n "$hv1" link show a1 | awk '/link\/ether/ { print $2 }')
# eui64 MAC: the link-local address the host would have had on the port.
eui64() {
	local m=(${1//:/ })
	printf 'fe80::%02x%s:%sff:fe%s:%s%s\n' $((0x${m[0]} ^ 2)) "${m[1]}" "${m[2]}" \
		"${m[3]}" "${m[4]}" "${m[5]}"
}
host_pings() {
	send 7 "$work/a1.out" host1 ping4 $A1 dmac="$GW" dip=192.0.2.1 n=3 &&
	send 7 "$work/a1.out" host2 ping4 $A1 dmac="$portmac" dip=192.0.2.1 n=3 &&
	send 7 "$work/a1.out" host3 ping6 mac="$(mac 1)" ip6=fe80::1 dmac="$portmac" \
		dip6="$(eui64 "$portmac")" n=3 &&
	send 7 "$work/a1.out" host4 ping6 $A1 dmac=33:33:00:00:00:01 dip6=ff02::1 n=3
}
check "a1 pings the host: underlay IP, the port's link-local, ff02::1" host_pings
check "the host's stack got none of them" \
	test "$(ip_in "$hv1") $(ip6_in "$hv1")" = "$host_before"
ip netns exec "$hv2" ping -q -c 2 -i 0.2 -W 2 192.0.2.1 >/dev/null
check "control: the host's counters see hv2's pings" test "$(ip_in "$hv1")" -gt "${host_before% *}"

# Rate limits: a VM flooding TTL-1 packets or ARP requests gets at most
# the bucket back; its neighbour keeps its full service meanwhile.  The
# test's buckets are 10/s with a burst of 10, below what the TCG VM sends.
RL=/sys/module/vpc/parameters
echo 10 >$RL/icmp_rate && echo 10 >$RL/icmp_burst && echo 10 >$RL/answer_rate && echo 10 >$RL/answer_burst
defer "echo 100 >$RL/icmp_rate; echo 100 >$RL/icmp_burst; echo 100 >$RL/answer_rate; echo 100 >$RL/answer_burst"
ip netns exec "$a3" ping -c 20 -i 0.1 -W 2 10.0.0.254 >"$work/a3ping" 2>&1 &
a3ping=$!
t0=$(date +%s%N)
ttl=$(stat "$hv1" a1 drop_ttl) rl=$(stat "$hv1" a1 drop_ratelimit)
send 7 "$work/a1.out" ttlflood ip4 $A1 dmac="$GW" dip=10.0.0.2 ttl=1 n=400
t1=$(date +%s%N)
check "400 TTL-1 packets: all counted as drop_ttl" \
	test "$(stat "$hv1" a1 drop_ttl)" -eq $((ttl + 400))
wait $a3ping
check_output "a3's 20 pings of the gateway meanwhile all answered" ' 0% packet loss' cat "$work/a3ping"
arp_rl=$(stat "$hv1" a1 drop_ratelimit)
t2=$(date +%s%N)
send 7 "$work/a1.out" arpflood arp-req $A1 dip=10.0.0.3 n=400
t3=$(date +%s%N)
ip -n "$a3" neigh flush dev eth0
check "a3 resolves and reaches a1 right after the ARP flood" pings "$a3" 10.0.0.1

# The controls, while the captures run: each victim is sent pings, each
# host's fabric port carries GRE.
controls() {
	ping_ctl "$a1" 10.0.0.2 && ping_ctl "$a1" 10.0.0.3 &&
	ping_ctl "$b2" 10.0.0.1 && ping_ctl "$b1" 10.0.0.2
}
ping_ctl() { ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 "$2" >/dev/null; }
check "controls: a1 -> a2, a3; b2 -> b1; b1 -> b2" controls

# Stop the captures; judge the whole suite.
kill -INT "${capture_pids[@]}" 2>/dev/null
wait "${capture_pids[@]}" 2>/dev/null
# count FILE FILTER: frames of the capture FILE matching FILTER.
count() { tcpdump -n -r "$work/$1.pcap" "$2" 2>/dev/null | wc -l; }
# The budget: the bucket's burst and its rate over the flood's time (+1 s).
budget() { echo $((10 + 10 * (($2 - $1) / 1000000000 + 1))); }
te=$(count a1 'icmp[icmptype] = 11')
log "time exceeded: 400 TTL-1 packets sent in $(((t1 - t0) / 1000000)) ms, $te answered"
check "time exceeded back: $te, within $(budget "$t0" "$t1") (10/s, burst 10)" \
	test "$te" -gt 0 -a "$te" -le "$(budget "$t0" "$t1")"
check "and the rest counted as drop_ratelimit" test $((arp_rl - rl)) -eq $((400 - te))
ar=$(count a1 'arp[6:2] = 2 and arp[14:4] = 0x0a000003')
log "ARP: 400 requests sent in $(((t3 - t2) / 1000000)) ms, $ar answered"
check "ARP replies back: $ar, within $(budget "$t2" "$t3")" \
	test "$ar" -gt 0 -a "$ar" -le "$(budget "$t2" "$t3")"

# What an attack frame looks like at a victim: UDP to port 9 or 68 (the
# crafted IP frames), a router advertisement, the forged advertisement, or
# ARP that says a1's MAC has another VM's address.
ATTACK='udp port 9 or udp port 68 or (icmp6 and (ip6[40] = 134 or (ip6[40] = 136 and ip6[60:4] = 3))) or (arp and arp[8:4] = 0x02000000 and arp[12:2] = 0x0001 and arp[14:4] != 0x0a000001)'
# seen V: attack frames at V, then the control's echo requests.
seen() { echo "$(count "$1" "$ATTACK") $(count "$1" 'icmp[icmptype] = 8')"; }
for v in a2 a3 b1 b2; do
	check_output "$v saw no attack frame, and its control pings" '^0 [3-9]' seen "$v"
done
check_output "a3 saw no frame of a1 and a2's traffic (promiscuous capture)" '^0$' \
	count a3 'icmp and host 10.0.0.2'

# The fabric: no ARP, ND or broadcast of the VPCs, inside GRE (outer IPv4,
# GRE with key, then the inner Ethernet at ip[28]) or outside.
FABRIC='(proto gre and (ip[40:2] = 0x0806 or ip[28] & 1 = 1 or (ip[40:2] = 0x86dd and ip[48] = 58 and ip[82] >= 133 and ip[82] <= 137))) or (arp and not net 192.0.2.0/24) or icmp6 or (ether broadcast and not arp)'
fabric() { echo "$(count "$1" "$FABRIC") $(count "$1" 'proto gre')"; }
for f in fab1 fab2; do
	check_output "$f: no ARP, ND or broadcast of the VPCs, and the controls' GRE" \
		'^0 [1-9]' fabric "$f"
done
check_output "the idle VM a4 received nothing at all in the whole suite" '^0$' count a4 ''
capture_pids=()
check_here "control: a4's capture again" capture "$a4" eth0 a4ctl
ping_ctl "$a1" 10.0.0.4
kill -INT "${capture_pids[@]}" 2>/dev/null
wait "${capture_pids[@]}" 2>/dev/null
check_output "which sees a1's pings" '^[3-9]$' count a4ctl 'icmp[icmptype] = 8'

# The host refuses a port that has host addresses, and a detached VM is
# left down.
refuse() {
	ip -n "$hv1" link add x0 type veth peer name x1 &&
	ip -n "$hv1" addr add "$1" dev x0 &&
	vpc -n "$hv1" port add dev x0 net 100 mac "$(mac 7)" ip 10.0.0.7
}
check_fail_output "port add refuses a device with an IPv4 address" \
	'vpc: the device has a host IPv4 or global IPv6 address' refuse 10.9.9.9/24
ip -n "$hv1" link del x0
check_fail_output "and one with a global IPv6 address" \
	'vpc: the device has a host IPv4 or global IPv6 address' refuse 2001:db8:9::9/64
ip -n "$hv1" link del x0
down() { ! ip -n "$1" link show "$2" | grep -q '[<,]UP[,>]'; }
check "port del leaves the device down" sh -c "vpc -n $hv2 port del dev a4 && $(declare -f down); down $hv2 a4"
check "net del leaves its ports' devices down" sh -c "vpc -n $hv2 net del id 200 && $(declare -f down); down $hv2 b2"
check "module unload leaves them down" sh -c "rmmod vpc && $(declare -f down); down $hv1 a1 && down $hv1 a3"

ktap_finished

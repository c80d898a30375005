#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VIPs that move: allowed address pairs and keepalived (Debian's, VRRP
# with unicast peers, since a VPC carries no multicast, and VRRP's
# virtual MAC) failing over between two ports on one host and across two
# hosts, under a 10 ms ping from a third VM.  The test plays the control
# plane: each claim that `vpc monitor` prints becomes a `map replace` of
# the VIP on the other hosts.
#
#                      fabric netns: bridge br0
#        +----------------------+----------------------+
#   hv1 192.0.2.1          hv2 192.0.2.2          hv3 192.0.2.3
#   v1 .1  v2 .2           v3 .3                  c .4 (client)
#
#   VPC 100, 10.0.0.0/24; VM N is 10.0.0.N with MAC 02:00:00:00:00:0N;
#   the VIP is 10.0.0.100 with VRRP's MAC 00:00:5e:00:01:33 (VRID 51).
#   Then an IPv6 VIP, 2001:db8::100, claimed by the unsolicited neighbour
#   advertisement of v2's own kernel (ndisc_notify).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc keepalived tcpdump ping

ktap_plan 35
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 hv3 v1 v2 v3 c
topo_quiet "$fab" "$hv1" "$hv2" "$hv3" "$v1" "$v2" "$v3" "$c"
work=$(mktemp -d /tmp/vpc-vip.XXXXXX)
defer "rm -rf $work"
VIP=10.0.0.100
VMAC=00:00:5e:00:01:33
hostip() { echo "192.0.2.${1#hv}"; }

setup() {
	local h i
	topo_fabric 1
	for i in 1 2 3; do
		h=hv$i
		topo_underlay "${!h}" "$h" "$(hostip $h)" &&
		vpc -n "${!h}" net add id 100 &&
		vpc -n "${!h}" subnet add net 100 10.0.0.0/24 gw 10.0.0.254 &&
		vpc -n "${!h}" underlay set local "$(hostip $h)" || return 1
	done
	topo_vm "$v1" "$hv1" v1 100 02:00:00:00:00:01 10.0.0.1/24 &&
	topo_vm "$v2" "$hv1" v2 100 02:00:00:00:00:02 10.0.0.2/24 &&
	topo_vm "$v3" "$hv2" v3 100 02:00:00:00:00:03 10.0.0.3/24 &&
	topo_vm "$c" "$hv3" c 100 02:00:00:00:00:04 10.0.0.4/24 || return 1
	# Every host knows every VM but the VIP, which has no owner yet.
	for i in 1 2 3 4; do
		for h in hv1 hv2 hv3; do
			case "$h:$i" in hv1:[12] | hv2:3 | hv3:4) continue ;; esac
			vpc -n "${!h}" map add net 100 ip "10.0.0.$i" mac "02:00:00:00:00:0$i" \
				host "$(hostip "hv$(( i < 3 ? 1 : i - 1 ))")" || return 1
		done
	done
}
check "set up 3 hosts, 4 VMs of one VPC" setup

# The pairs: v1 and v2 are allowed the VIP with VRRP's MAC, v3 later.
check "port set allow (v1, v2)" sh -c "vpc -n $hv1 port set dev v1 allow ip $VIP mac $VMAC &&
	vpc -n $hv1 port set dev v2 allow ip $VIP mac $VMAC"
check_output "port show lists the pair" "allow $VIP@$VMAC" vpc -n "$hv1" port show dev v1
check_output "in JSON too" "\"allow\":\"$VIP@$VMAC\"" vpc -n "$hv1" -j port show dev v2
check_fail_output "disallow of a pair the port lacks is refused" 'vpc: the port has no such address pair' \
	vpc -n "$hv2" port set dev v3 disallow ip $VIP
check_fail_output "a multicast pair is refused" 'vpc: not a unicast IPv4 address' \
	vpc -n "$hv1" port set dev v1 allow ip 224.0.0.18
check_fail_output "so is a pair with a multicast MAC" 'vpc: not a unicast MAC address' \
	vpc -n "$hv1" port set dev v1 allow ip 10.0.0.101 mac 01:00:5e:00:00:01
check_fail_output "an unclaimed VIP is answered by nobody" '100% packet loss' \
	ip netns exec "$c" ping -c 1 -W 1 $VIP

# The control plane: every claim a host announces becomes the VIP's
# mapping on the other hosts.  control_plane HOST reads HOST's monitor.
control_plane() {
	local from=$1 kind net ip mac h
	while read -r kind _ net _ ip _ mac _; do
		[ "$kind" = claim ] || continue
		echo "$(date +%s%N) $from $ip $mac" >>"$work/moves"
		for h in hv1 hv2 hv3; do
			[ "$h" = "$from" ] ||
			vpc -n "${!h}" map replace net "$net" ip "$ip" mac "$mac" host "$(hostip "$from")"
		done
	done
}
for h in hv1 hv2; do
	ip netns exec "${!h}" vpc monitor > >(tee "$work/mon.$h" | control_plane "$h") 2>&1 &
	defer "kill $! 2>/dev/null"
done

# keepalived VM PEER PRIO: VRRP for the VIP between VM and PEER, over
# unicast; the VIP on a macvlan with VRRP's MAC, adverts from eth0.
keepalived_start() {
	local vm=$1 me=$2 peer=$3 prio=$4
	cat >"$work/ka.$vm.conf" <<EOF
global_defs {
	router_id $vm
	enable_script_security
}
vrrp_instance VI_1 {
	state BACKUP
	interface eth0
	virtual_router_id 51
	priority $prio
	advert_int 1
	use_vmac vrrp51
	vmac_xmit_base
	unicast_src_ip $me
	unicast_peer {
		$peer
	}
	garp_master_refresh 1
	virtual_ipaddress {
		$VIP/32
	}
}
EOF
	ip netns exec "${!vm}" keepalived -n -l -D -P -f "$work/ka.$vm.conf" \
		-p "$work/ka.$vm.pid" -r "$work/ka.$vm.vrrp.pid" >"$work/ka.$vm.log" 2>&1 &
	eval "ka_$vm=$!"
	defer "kill $! 2>/dev/null"
}
keepalived_stop() {
	local pid=ka_$1
	kill "${!pid}" 2>/dev/null && wait "${!pid}" 2>/dev/null
	true
}
owner_mac() { ip netns exec "$c" ip neigh show $VIP; }
# replies_from MAC: echo replies from the VIP that reached c with MAC.
replies_from() {
	tcpdump -n -e -r "$work/c.pcap" "icmp[icmptype] = 0 and src host $VIP" 2>/dev/null |
		grep -c "^[^ ]* *$1 >"
}
replies() { echo "$(replies_from "$1") $(replies_from "$2")"; }
# Replies from OLD after the first one from NEW (the claim): none.
flips_back() {
	tcpdump -n -e -r "$work/c.pcap" "icmp[icmptype] = 0 and src host $VIP" 2>/dev/null |
		awk -v old="$1" -v new="$2" '$2 == new { seen = 1 } seen && $2 == old { n++ } END { print n + 0 }'
}

# phase NAME MASTER BACKUP: keepalived on both, MASTER first; c pings the
# VIP every 10 ms while MASTER stops and BACKUP takes over.
phase() {
	local name=$1 m=$2 b=$3 out
	ip netns exec "$c" tcpdump --immediate-mode -n -U -i eth0 -w "$work/c.pcap" \
		>/dev/null 2>"$work/c.log" &
	local cap=$!
	busywait 30000 grep -q listening "$work/c.log" >/dev/null
	ip netns exec "$c" ping -i 0.01 -W 1 $VIP >"$work/ping.$name" 2>&1 &
	local ping=$!
	# Let the master answer a while, then stop it: the backup takes over.
	busywait 20000 sh -c "test \$(tcpdump -n -r $work/c.pcap 'icmp[icmptype] = 0' 2>/dev/null | wc -l) -ge 100" >/dev/null
	keepalived_stop "$m"
	busywait 30000 sh -c "test \$(tcpdump -n -e -r $work/c.pcap 'icmp[icmptype] = 0' 2>/dev/null | grep -c '$(vmmac "$b") >') -ge 100" >/dev/null
	kill -INT $ping
	wait $ping
	kill -INT $cap
	wait $cap 2>/dev/null
	out=$(grep 'packets transmitted' "$work/ping.$name")
	log "$name: $out"
	echo "$name $out" >>"$work/lost"
}
vmmac() { echo "02:00:00:00:00:0${1#v}"; }

# Phase 1: v1 and v2 on hv1.
keepalived_start v1 10.0.0.1 10.0.0.2 150
check "v1 becomes master and claims the VIP (hv1 announces it)" \
	busywait 30000 grep -q "^claim net 100 ip $VIP mac $VMAC dev v1$" "$work/mon.hv1"
check "the control plane maps the VIP to hv1 on hv3" \
	busywait 10000 matches "ip $VIP mac $VMAC host 192\.0\.2\.1" vpc -n "$hv3" map show net 100 ip $VIP
check "c reaches the VIP" busywait 10000 ip netns exec "$c" ping -c 1 -W 1 $VIP
check_output "c resolved the VIP to VRRP's MAC" "lladdr $VMAC" owner_mac
keepalived_start v2 10.0.0.2 10.0.0.1 100
check "v2 runs as backup" busywait 20000 grep -q 'Entering BACKUP STATE' "$work/ka.v2.log"
phase one-host v1 v2
check "v2 claims the VIP on the same host" \
	grep -q "^claim net 100 ip $VIP mac $VMAC dev v2$" "$work/mon.hv1"
check_output "replies came from v1, then from v2" '^[1-9][0-9]* [1-9][0-9]*$' \
	replies "$(vmmac v1)" "$(vmmac v2)"
check_output "and never from v1 after v2's first" '^0$' flips_back "$(vmmac v1)" "$(vmmac v2)"
check_output "the claims were counted" '^[1-9]' vpc_stat "$hv1" port claims dev v2
keepalived_stop v2

# Phase 2: v1 (hv1) and v3 (hv2).  v3 claims before it is allowed: dropped.
keepalived_start v3 10.0.0.3 10.0.0.1 100
# spoofs: v3's frames dropped for a source MAC or IP it may not use.
spoofs() { vpc -n "$hv2" -s port show dev v3 | awk '$1 ~ /^drop_spoof_/ { n += $2 } END { print n + 0 }'; }
spoofed() { [ "$(spoofs)" -gt 0 ]; }
check "v3, not allowed the VIP, becomes master: its claims are spoofing" \
	busywait 20000 spoofed
check_no_match "and are not announced" '^claim' cat "$work/mon.hv2"
keepalived_stop v3
check "port set allow (v3)" vpc -n "$hv2" port set dev v3 allow ip $VIP mac $VMAC
keepalived_start v1 10.0.0.1 10.0.0.3 150
keepalived_start v3 10.0.0.3 10.0.0.1 100
check "v1 master again, v3 backup" busywait 20000 grep -q 'Entering BACKUP STATE' "$work/ka.v3.log"
check "c reaches the VIP on hv1" busywait 10000 ip netns exec "$c" ping -c 1 -W 1 $VIP
phase two-hosts v1 v3
check "v3 claims the VIP (hv2 announces it)" \
	grep -q "^claim net 100 ip $VIP mac $VMAC dev v3$" "$work/mon.hv2"
check_output "hv1 now sends the VIP to hv2" "ip $VIP mac $VMAC host 192\.0\.2\.2" \
	vpc -n "$hv1" map show net 100 ip $VIP
check_output "replies came from v1, then from v3" '^[1-9][0-9]* [1-9][0-9]*$' \
	replies "$(vmmac v1)" "$(vmmac v3)"
check_output "and never from v1 after v3's first" '^0$' flips_back "$(vmmac v1)" "$(vmmac v3)"
keepalived_stop v3
keepalived_stop v1
check "disallow: the port's pair is gone" sh -c "vpc -n $hv2 port set dev v3 disallow ip $VIP &&
	! vpc -n $hv2 port show dev v3 | grep -q allow"
# An IPv6 VIP: claimed by an unsolicited neighbour advertisement, which
# v2's kernel sends for a new address with ndisc_notify on (and no DAD).
VIP6=2001:db8::100
ipv6_on() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 \
		net.ipv6.conf.eth0.router_solicitations=0 net.ipv6.conf.eth0.ndisc_notify=1 \
		net.ipv6.conf.eth0.disable_ipv6=0
}
# ns_v1: v1's neighbour solicitation for the VIP (ndisc6), answered or not.
ns_v1() { ip netns exec "$v1" ndisc6 -1 -r 2 -w 500 $VIP6 eth0; }
v6_setup() {
	local h
	for h in hv1 hv2 hv3; do
		vpc -n "${!h}" subnet add net 100 2001:db8::/64 gw 2001:db8::fffe || return 1
	done
	vpc -n "$hv1" port set dev v2 allow ip $VIP6 && ipv6_on "$v1" && ipv6_on "$v2" &&
	busywait 10000 matches 'inet6 fe80' ip -n "$v1" addr show dev eth0
}
check "IPv6: v2 allowed $VIP6, IPv6 on in v1 and v2" v6_setup
check_fail_output "an unclaimed IPv6 VIP is answered by nobody" 'No response' ns_v1
ip -n "$v2" addr add $VIP6/64 dev eth0
check "v2's advertisement claims it (hv1 announces it)" \
	busywait 10000 grep -q "^claim net 100 ip $VIP6 mac $(vmmac v2) dev v2$" "$work/mon.hv1"
check "the control plane maps it to hv1 on hv3" \
	busywait 10000 matches "ip $VIP6 mac $(vmmac v2) host 192\.0\.2\.1" vpc -n "$hv3" map show net 100 ip $VIP6
check_output "v1's solicitation is answered with v2's MAC" "address: *$(vmmac v2)" ns_v1
spoofs1() { vpc_stat "$hv1" port drop_spoof_ip dev v1; }
before=$(spoofs1)
v1_spoofed() { [ "$(spoofs1)" -gt "$before" ]; }
ip -n "$v1" addr add $VIP6/64 dev eth0
check "v1, not allowed it, advertises it too: spoofing" busywait 10000 v1_spoofed
check_no_match "and not announced" "^claim net 100 ip $VIP6 .*dev v1$" cat "$work/mon.hv1"
check_output "v2 still owns it" "address: *$(vmmac v2)" ns_v1

# For bench/vpc: the lost probes of each failover.
[ -z "${VPC_VIP_LOST:-}" ] || cp "$work/lost" "$VPC_VIP_LOST"

ktap_finished

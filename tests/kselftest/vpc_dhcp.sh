#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DHCPv4, router advertisements and DHCPv6 answered by vpc.ko on the VM's
# own host, tried with Debian's real clients: busybox udhcpc, dhclient -4,
# rdisc6 (ndisc6) and dhclient -6.  Each must configure exactly the port's
# addresses, the gateway, the MTU and the subnet's DNS; nothing of it may
# reach another VM or the fabric.
#
#                      fabric netns: bridge br0
#        +-------------------------+
#   hv1 192.0.2.1             hv2 192.0.2.2
#   d1 (client) n2            n3
#
#   VPC 100: 10.0.0.0/24 gateway .254, 2001:db8::/64 gateway ::fffe;
#   DNS 10.0.0.53 and 2001:db8::53, domain example.internal.  d1's port
#   is 10.0.0.1 and 2001:db8::1; d1 itself starts with no address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd vpc busybox dhclient rdisc6 tcpdump ping
require_scapy

ktap_plan 40
load_module vpc
defer unload_module vpc
setup_ns fab hv1 hv2 d1 n2 n3
topo_quiet "$fab" "$hv1" "$hv2" "$n2" "$n3"
quiet_ipv6 "$d1"
work=$(mktemp -d /tmp/vpc-dhcp.XXXXXX)
defer "rm -rf $work"
MTU=1458	# the underlay's 1500 - 42

setup() {
	local h i
	topo_fabric 1
	for i in 1 2; do
		h=hv$i
		topo_underlay "${!h}" "$h" "192.0.2.$i" &&
		vpc -n "${!h}" net add id 100 &&
		vpc -n "${!h}" subnet add net 100 10.0.0.0/24 gw 10.0.0.254 &&
		vpc -n "${!h}" subnet add net 100 2001:db8::/64 gw 2001:db8::fffe &&
		vpc -n "${!h}" underlay set local "192.0.2.$i" || return 1
	done
	# d1 comes up with nothing but its MAC (and a link-local address).
	ip link add eth0 netns "$d1" type veth peer name d1 netns "$hv1" &&
	ip -n "$d1" link set eth0 address 02:00:00:00:00:01 up &&
	vpc -n "$hv1" port add dev d1 net 100 mac 02:00:00:00:00:01 ip 10.0.0.1 ip 2001:db8::1 &&
	ip -n "$hv1" link set d1 up &&
	topo_vm "$n2" "$hv1" n2 100 02:00:00:00:00:02 10.0.0.2/24 &&
	topo_vm "$n3" "$hv2" n3 100 02:00:00:00:00:03 10.0.0.3/24 &&
	vpc -n "$hv1" map add net 100 ip 10.0.0.3 mac 02:00:00:00:00:03 host 192.0.2.2 &&
	vpc -n "$hv2" map add net 100 ip 10.0.0.1 mac 02:00:00:00:00:01 host 192.0.2.1 &&
	vpc -n "$hv2" map add net 100 ip 10.0.0.2 mac 02:00:00:00:00:02 host 192.0.2.1
}
check "set up 2 hosts, a DHCP client and 2 neighbours" setup

check "subnet set: DNS servers and a domain" \
	vpc -n "$hv1" subnet set net 100 10.0.0.0/24 dns 10.0.0.53,2001:db8::53 domain example.internal
check "the same for the IPv6 subnet" \
	vpc -n "$hv1" subnet set net 100 2001:db8::/64 dns 2001:db8::53 domain example.internal
check_output "subnet show lists them" \
	'^subnet net 100 10\.0\.0\.0/24 gw 10\.0\.0\.254 dns 10\.0\.0\.53,2001:db8::53 domain example\.internal$' \
	vpc -n "$hv1" subnet show net 100
check_fail_output "set on a subnet that does not exist is refused" 'vpc: no such subnet in this VPC' \
	vpc -n "$hv1" subnet set net 100 10.9.0.0/24 dns 10.0.0.53
check_fail_output "a bad domain is refused" 'vpc: not a domain name' \
	vpc -n "$hv1" subnet set net 100 10.0.0.0/24 domain 'bad..name'
check_fail_output "a multicast DNS server is refused" 'vpc: not a unicast IPv4 address' \
	vpc -n "$hv1" subnet set net 100 10.0.0.0/24 dns 224.0.0.1

# Captures: the neighbour n2 and the fabric, for the whole test.
capture_pids=()
capture() {
	local ns=$1 dev=$2 f=$work/$3
	ip netns exec "$ns" tcpdump --immediate-mode -n -U -i "$dev" -w "$f.pcap" \
		>/dev/null 2>"$f.log" &
	capture_pids+=($!)
	defer "kill $! 2>/dev/null"
	busywait 30000 grep -q listening "$f.log"
}
captures() { capture "$n2" eth0 n2 && capture "$fab" hv1 fab; }
check_here "tcpdump listens on n2 and the fabric" captures

# config: d1's IPv4 address, default route, MTU, as one line.
config4() {
	echo "$(ip -n "$d1" -4 -o addr show dev eth0 | awk '{ print $4 }')" \
		"$(ip -n "$d1" -4 route show default | awk '{ print $3 }')" \
		"$(ip -n "$d1" -o link show eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }')"
}
reset4() {
	ip -n "$d1" -4 addr flush dev eth0
	ip -n "$d1" link set eth0 mtu 1500
	rm -f "$work/resolv.conf"
}

# busybox udhcpc, with a script that applies what it was given.
cat >"$work/udhcpc.script" <<EOF
#!/bin/sh
[ "\$1" = bound ] || exit 0
ip addr add \$ip/\$subnet dev \$interface
ip link set \$interface mtu \$mtu
ip route add default via \$router
for s in \$dns; do echo "nameserver \$s"; done >$work/resolv.conf
echo "search \$domain" >>$work/resolv.conf
EOF
chmod +x "$work/udhcpc.script"
check "udhcpc gets a lease" ip netns exec "$d1" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 \
	-s "$work/udhcpc.script"
check_output "udhcpc: 10.0.0.1/24, via 10.0.0.254, MTU $MTU" "^10\.0\.0\.1/24 10\.0\.0\.254 $MTU$" config4
check_output "udhcpc: the subnet's DNS and domain" \
	'^nameserver 10\.0\.0\.53 search example\.internal $' oneline cat "$work/resolv.conf"
check "the VM reaches its gateway and n3 on hv2" sh -c \
	"ip netns exec $d1 ping -q -c 2 -W 2 10.0.0.254 && ip netns exec $d1 ping -q -c 2 -W 2 10.0.0.3"
reset4

# dhclient -4 with a copy of Debian's script that writes resolv.conf under
# /tmp (the VM's /etc is read-only: the script would fail and dhclient
# decline a good lease).
sed "s|/etc/resolv.conf|$work/resolv.conf|g" /sbin/dhclient-script >"$work/dhclient-script"
chmod +x "$work/dhclient-script"
cat >"$work/dhclient.conf" <<'EOF'
request subnet-mask, broadcast-address, routers, domain-name,
	domain-name-servers, domain-search, interface-mtu,
	dhcp6.name-servers, dhcp6.domain-search;
EOF
# dhclient_run -4|-6: once; it forks into the background with a lease.
dhclient_run() {
	timeout 60 ip netns exec "$d1" dhclient "$1" -1 -cf "$work/dhclient.conf" -sf "$work/dhclient-script" \
		-lf "$work/lease$1" -pf "$work/pid$1" eth0
}
dhclient_stop() {
	[ -f "$work/pid$1" ] && kill "$(cat "$work/pid$1")" 2>/dev/null
	true
}
defer "[ -f $work/pid-4 ] && kill \$(cat $work/pid-4); [ -f $work/pid-6 ] && kill \$(cat $work/pid-6)"
check "dhclient -4 gets a lease" dhclient_run -4
check_output "dhclient -4: 10.0.0.1/24, via 10.0.0.254, MTU $MTU" "^10\.0\.0\.1/24 10\.0\.0\.254 $MTU$" config4
check_output "dhclient -4: the subnet's DNS and domain" \
	'^domain example\.internal search example\.internal nameserver 10\.0\.0\.53 $' \
	oneline cat "$work/resolv.conf"
check "the lease is the module's: server 10.0.0.254, a day" sh -c \
	"grep -q 'dhcp-server-identifier 10.0.0.254;' $work/lease-4 && grep -q 'dhcp-lease-time 86400;' $work/lease-4"
check_output "counted: dhcp_replies" '^[2-9]' vpc_stat "$hv1" port dhcp_replies dev d1
dhclient_stop -4
reset4

# What the clients do not send on cue (RFC 2131 4.3), crafted (scapy).
replies=$(vpc_stat "$hv1" port dhcp_replies dev d1)
ip netns exec "$d1" "$PY" "$REPO/tests/kselftest/helpers/vpc_dhcp_rfc.py" \
	02:00:00:00:00:01 10.0.0.1 10.0.0.9 10.0.0.254 02:76:70:00:00:64 >"$work/rfc" 2>"$work/rfc.err"
log "$(cat "$work/rfc")"
check "a REQUEST for another address gets a NAK" grep -qx 'nak 6' "$work/rfc"
check "an INFORM gets an ACK with no address and no lease" grep -qx 'inform 5 0.0.0.0 nolease' "$work/rfc"
check "a RELEASE gets no answer" grep -qx 'release none' "$work/rfc"
check "nor does a DECLINE" grep -qx 'decline none' "$work/rfc"
check_output "counted: the two answers" "^$((replies + 2))$" vpc_stat "$hv1" port dhcp_replies dev d1

# Router advertisements: rdisc6 solicits one; the VM's own kernel takes it
# as well.
check "rdisc6 gets an advertisement" sh -c "ip netns exec $d1 rdisc6 -1 -w 2000 eth0 >$work/rdisc6 2>&1"
log "$(cat "$work/rdisc6")"
ra() { grep -E "$1" "$work/rdisc6"; }
check "RA: stateful address configuration (M)" ra 'Stateful address conf\. *: *Yes'
check "RA: MTU $MTU" ra "MTU *: *$MTU bytes"
check "RA: prefix 2001:db8::/64, on-link" sh -c "grep -A3 ' Prefix *: *2001:db8::/64' $work/rdisc6 | grep -q 'On-link *: *Yes'"
check "RA: not for autoconfiguration (no SLAAC address)" \
	sh -c "grep -A4 ' Prefix *: *2001:db8::/64' $work/rdisc6 | grep -q 'Autonomous address conf\. *: *No'"
check "RA: the subnet's DNS server" ra 'Recursive DNS server *: *2001:db8::53'
check "RA: the subnet's search domain" ra 'DNS search list *: *example\.internal'
check "RA: from the gateway's link-local address" ra 'from fe80::76:70ff:fe00:64'
check_output "the VM's kernel routes via the gateway's link-local address" \
	'^default via fe80::76:70ff:fe00:64 dev eth0 proto ra' ip -n "$d1" -6 route show default
check_output "with the advertised MTU" "^$MTU$" ip netns exec "$d1" cat /proc/sys/net/ipv6/conf/eth0/mtu
check_no_match "and no autoconfigured address" . ip -n "$d1" -6 addr show dev eth0 scope global

# DHCPv6 for the address.
check "dhclient -6 gets a lease" dhclient_run -6
check_output "dhclient -6: 2001:db8::1" 'inet6 2001:db8::1/' ip -n "$d1" -6 addr show dev eth0 scope global
check_output "dhclient -6: the subnet's DNS and domain" \
	'^search example\.internal\.? nameserver 2001:db8::53 $' oneline cat "$work/resolv.conf"
check "the VM reaches its IPv6 gateway" ip netns exec "$d1" ping -q -c 2 -W 2 2001:db8::fffe
replies6() {
	vpc -n "$hv1" -s port show dev d1 |
		awk '$1 == "ra_replies" || $1 == "dhcp6_replies" { printf "%s ", $2 }'
}
check_output "counted: ra_replies and dhcp6_replies" '^[1-9][0-9]* [1-9]' replies6
dhclient_stop -6

# Nobody else heard any of it; the control: n3 (hv2) pings n2.
ip netns exec "$n3" ping -q -c 3 -i 0.2 -W 2 10.0.0.2 >/dev/null
kill -INT "${capture_pids[@]}" 2>/dev/null
wait "${capture_pids[@]}" 2>/dev/null
count() { tcpdump -n -r "$work/$1.pcap" "$2" 2>/dev/null | wc -l; }
DHCP='udp port 67 or udp port 68 or udp port 546 or udp port 547 or (icmp6 and (ip6[40] = 133 or ip6[40] = 134))'
heard() { echo "$(count n2 "$DHCP") $(count n2 'icmp[icmptype] = 8')"; }
check_output "n2 heard no DHCP, DHCPv6, RS or RA, and got the control pings" '^0 [3-9]' heard
# Inside GRE: outer IPv4 20, GRE 8, inner Ethernet 14, then the inner IP.
INNER='proto gre and (ip[64:2] = 67 or ip[64:2] = 68 or ip[84:2] = 546 or ip[84:2] = 547)'
check_output "neither did the fabric, inside GRE or outside" '^0$' count fab "$DHCP or ($INNER)"

ktap_finished

# SPDX-License-Identifier: GPL-2.0
# Topology helpers for vpc.ko tests, sourced after lib.sh: hypervisors are
# network namespaces with an underlay veth per plane into a fabric bridge
# (br0 for plane 0, br1 for plane 1) in the namespace $fab; VMs are
# namespaces whose eth0 is a veth into their hypervisor, bound to a VPC.

VPC_VM_MTU=1450	# at most 1500 underlay - 20 outer IPv4 - 8 GRE with key - 14 inner Ethernet

# topo_quiet NS...: no IPv6 autoconfiguration or MLD to blur the counts.
topo_quiet() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

# topo_fabric PLANES: the bridges br0 .. br(PLANES-1) in $fab.
topo_fabric() {
	local p
	for ((p = 0; p < $1; p++)); do
		ip -n "$fab" link add "br$p" type bridge
		ip -n "$fab" link set "br$p" up
	done
}

# topo_underlay HVNS NAME IP [PLANE]: veth ulPLANE in HVNS with IP/24, its
# peer NAME in $fab on brPLANE.
topo_underlay() {
	local plane=${4:-0}
	ip link add "ul$plane" netns "$1" type veth peer name "$2" netns "$fab" &&
	ip -n "$fab" link set "$2" master "br$plane" up &&
	ip -n "$1" addr add "$3/24" dev "ul$plane" &&
	ip -n "$1" link set "ul$plane" up
}

# topo_vm VMNS HVNS PORT VPC MAC IP/PLEN [PORTIP...]: a VM with eth0 at
# IP/PLEN and MAC, its port PORT in HVNS bound to VPC, allowed IP (and the
# further PORTIPs, addresses or prefixes).
topo_vm() {
	local vm=$1 hv=$2 port=$3 net=$4 mac=$5 addr=$6 extra=() a
	shift 6
	for a in "$@"; do
		extra+=(ip "$a")
	done
	ip link add eth0 netns "$vm" type veth peer name "$port" netns "$hv" &&
	ip -n "$vm" link set eth0 address "$mac" mtu $VPC_VM_MTU up &&
	ip -n "$vm" addr add "$addr" dev eth0 &&
	ip -n "$hv" link set "$port" mtu $VPC_VM_MTU up &&
	vpc -n "$hv" port add dev "$port" net "$net" mac "$mac" ip "${addr%/*}" "${extra[@]}"
}

# vpc_stat HVNS OBJECT NAME [ARGS...]: one counter of vpc -s OBJECT show ARGS.
vpc_stat() {
	local hv=$1 obj=$2 key=$3
	shift 3
	vpc -n "$hv" -s "$obj" show "$@" | awk -v k="$key" '$1 == k { print $2 }'
}

# vpc_enum NAME: the value of an enum constant of linux/vpc.h, for nl_send,
# so that tests do not hard-code numbers that a new attribute could shift.
vpc_enum() {
	awk -v name="$1" '
		/^enum / { n = 0; inside = 1; next }
		inside && /^};/ { inside = 0 }
		inside && match($0, /^\t[A-Z0-9_]+,/) {
			if (substr($0, 2, RLENGTH - 2) == name) { print n; found = 1; exit }
			n++
		}
		END { exit !found }' "$REPO/kmod/include/uapi/linux/vpc.h"
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 300 ports over three hosts in one VPC, created through the API: each
# host's kernel converges to its 100 local ports and the 200 mappings of
# the others; deleted through the API, everything goes from every kernel.
#
#   tenant S, VPC big 10.0.0.0/22: port i on host (i mod 3) + 1; the
#   "hypervisor" makes each host's 100 port devices in one ip -batch, their
#   peers in one namespace per host (no VM configuration: nothing is sent).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/cloud.sh"
require_cmd vpc nimbus-controller nimbus-agent jq

PORTS=300
ktap_plan 19
load_module vpc
defer unload_module vpc
cloud_setup 18280 18290

cloud_start_controller
up() {
	cloud_controller_up && cloud_fabric && cloud_host 1 && cloud_host 2 && cloud_host 3 &&
		cloud_tenant S && cloud_vpc S big && cloud_subnet S big sn 10.0.0.0/22 10.0.0.1
}
check_here "controller, three hosts, a VPC with a /22" up
for n in 1 2 3; do
	cloud_start_agent $n
done
check "the agents watch the controller" busywait 60000 cloud_all watching 1 2 3

# create: the ports, in this shell (no fork per port); IFNAMES[N] lists
# hostN's devices.
IFNAMES=()
create() {
	local i n PORT_ID PORT_IP PORT_MAC PORT_IFNAME PORT_HOSTN PORT_PLEN PORT_GW
	for ((i = 0; i < PORTS; i++)); do
		n=$((i % 3 + 1))
		cloud_port S "p$i" big sn $n && cloud_port_info "p$i" || return 1
		IFNAMES[n]+="$PORT_IFNAME "
	done
}
t0=$(date +%s%N)
check_here "$PORTS ports created through the API" create
t1=$(date +%s%N)
log "$PORTS POSTs in $(((t1 - t0) / 1000000)) ms"
# listed: how many ports nimbusctl lists.
listed() {
	local out
	out=$(nimbusctl --token-file "$CLOUD_DIR/tokens/S" -j port list) && jq length <<<"$out"
}
check_output "nimbusctl lists them" "^$PORTS\$" listed

# devices N: hostN's 100 port devices (down) in one ip -batch, their peers
# in namespace sinkN.
devices() {
	local n ifn
	cloud_netns sink1 sink2 sink3 || return 1
	for n in 1 2 3; do
		for ifn in ${IFNAMES[n]}; do
			echo "link add $ifn mtu $CLOUD_MTU netns $(cloud_ns "host$n") type veth peer name v${ifn#np} netns $(cloud_ns "sink$n")"
		done >"$CLOUD_DIR/devices$n"
		ip -b "$CLOUD_DIR/devices$n" || return 1
	done
}
check "the hypervisors make the $PORTS devices" devices
t2=$(date +%s%N)
for n in 1 2 3; do
	check "host$n holds its 100 ports" busywait 120000 cloud_has $n port 100
	check "host$n holds the 200 mappings of the others" busywait 120000 cloud_has $n map 200
done
t3=$(date +%s%N)
log "the three kernels held every port and mapping $(((t3 - t2) / 1000000)) ms after the devices were made"
for n in 1 2 3; do
	check "host$n's kernel is exactly its desired state" cloud_converged $n
done

delete() {
	local i
	for ((i = 0; i < PORTS; i++)); do
		cloud_port_del "p$i" S || return 1
	done
}
t0=$(date +%s%N)
check_here "the $PORTS ports deleted through the API" delete
t1=$(date +%s%N)
log "$PORTS DELETEs in $(((t1 - t0) / 1000000)) ms"
# gone N: no port, mapping or VPC left on hostN.
gone() {
	cloud_has "$1" port 0 && cloud_has "$1" map 0 && cloud_has "$1" net 0
}
for n in 1 2 3; do
	check "host$n's kernel holds no port, mapping or VPC" busywait 120000 gone $n
done
t2=$(date +%s%N)
log "every kernel was empty $(((t2 - t1) / 1000000)) ms after the last DELETE"
check_output "nimbusctl lists none" '^0$' listed
cloud_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every change is refused with EPERM to a process without CAP_NET_ADMIN (and
# CAP_SYS_ADMIN for cbs), whether an unprivileged user or root with its
# capabilities dropped; reads stay open; a refused change changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vpc_topo.sh"
require_cmd nl_send setpriv vpc

ktap_plan 33
load_module vpc
load_module cbs
defer unload_module vpc
defer unload_module cbs

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- "$@"
}
as_capless_root() {
	setpriv --inh-caps=-all --bounding-set=-all -- "$@"
}

EPERM=1
vpc net add id 77 name keep >/dev/null
for who in as_nobody as_capless_root; do
	check_errno "$who: vpc net add refused" $EPERM $who nl_send vpc 1 u32:1=5
	check_errno "$who: vpc net del refused" $EPERM $who nl_send vpc 2 u32:1=77
	for cmd in SUBNET_NEW SUBNET_DEL ROUTE_NEW ROUTE_DEL PATH_SET; do
		check_errno "$who: vpc ${cmd,,} refused" $EPERM $who \
			nl_send vpc "$(vpc_enum "VPC_CMD_$cmd")" u32:1=77
	done
	check_errno "$who: cbs map refused" $EPERM $who nl_send cbs 1 str:2=vol
	check_errno "$who: cbs unmap refused" $EPERM $who nl_send cbs 2 u32:1=0
	check_errno "$who: cbs reconfigure refused" $EPERM $who nl_send cbs 3 u32:1=0
	check_fail_output "$who: vpc command reports EPERM" 'Operation not permitted' $who vpc net add id 6
done
check_fail_output "vpc subnet add reports EPERM" 'Operation not permitted' \
	as_nobody vpc subnet add net 77 10.0.0.0/24 gw 10.0.0.1
check_fail_output "vpc route add reports EPERM" 'Operation not permitted' \
	as_nobody vpc route add net 77 10.1.0.0/24 via 10.0.0.5
check_fail_output "vpc subnet add (IPv6) reports EPERM" 'Operation not permitted' \
	as_nobody vpc subnet add net 77 2001:db8:1::/64 gw 2001:db8:1::1
check_fail_output "vpc route add (IPv6) reports EPERM" 'Operation not permitted' \
	as_nobody vpc route add net 77 2001:db8:99::/48 via 2001:db8:1::10
check_fail_output "vpc underlay path reports EPERM" 'Operation not permitted' \
	as_nobody vpc underlay path 192.0.2.2 plane 0 down
check_output "unprivileged read allowed" '^ok 1$' as_nobody nl_send -d vpc 3
check_output "refused changes changed nothing" '^net 77 name keep$' vpc net show
check_output "no VPC was added" '^1$' lines vpc net show
# added: every subnet, route and underlay path (a failing show fails it).
added() {
	vpc subnet show && vpc route show && vpc underlay show
}
check_no_match "no subnet, route or down path was added" '^(subnet|route) |path' added
check_output "root may change" '^ok 0$' nl_send vpc 1 u32:1=5
check_fail_output "cbs map needs CAP_SYS_ADMIN even with CAP_NET_ADMIN" 'error 1:.*CAP_SYS_ADMIN' \
	setpriv --inh-caps=-all --bounding-set=-all,+net_admin -- nl_send cbs 1 str:2=vol

ktap_finished

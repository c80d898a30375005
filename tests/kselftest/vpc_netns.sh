#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko keeps its state per network namespace: VPCs configured in one
# namespace (one simulated hypervisor) are invisible to and unaffected by
# another.  Malformed requests are refused with EINVAL and an explanation.
#
#   init netns          host-a netns        host-b netns
#   (no VPCs)           net 10 "blue"       net 10 "red", net 20
. "$(dirname "$0")/lib.sh"
require_cmd nl_send vpc

ktap_plan 32
load_module vpc
defer unload_module vpc
setup_ns ha hb

check "add net 10 in host-a" vpc -n "$ha" net add id 10 name blue
check "same id in host-b" vpc -n "$hb" net add id 10 name red
check "second net in host-b" vpc -n "$hb" net add id 20
check_output "host-a sees only its own" '^\[\{"id":10,"name":"blue"\}\]$' vpc -j -n "$ha" net show
check_output "host-b sees its two" '^\[\{"id":10,"name":"red"\},\{"id":20\}\]$' vpc -j -n "$hb" net show
check_output "init netns sees none" '^\[\]$' vpc -j net show
check_output "get by id in host-b" '^net 10 name red$' vpc -n "$hb" net show id 10
check "delete net 10 in host-b" vpc -n "$hb" net del id 10
check_output "host-a keeps net 10" '^net 10 name blue$' vpc -n "$ha" net show id 10
check_output "host-b lost only net 10" '^net 20 $' oneline vpc -n "$hb" net show
check_fail_output "duplicate add is EEXIST" 'File exists: vpc: a VPC with this id exists' vpc -n "$ha" net add id 10
check_fail_output "delete of a missing VPC is ENOENT" 'No such file or directory: vpc: no VPC with this id' \
	vpc -n "$ha" net del id 11

# Malformed requests straight to the kernel: EINVAL with an extack message.
EINVAL=22
ERANGE=34
check_fail_output "id 0 out of range" "^error $ERANGE: .*: (integer )?out of range" ip netns exec "$ha" nl_send vpc 1 u32:1=0
check_fail_output "id 2^24 out of range" "^error $ERANGE: .*out of range" ip netns exec "$ha" nl_send vpc 1 u32:1=16777216
check_fail_output "missing id" "^error $EINVAL: .*[Mm]issing" ip netns exec "$ha" nl_send vpc 1
check_fail_output "id of the wrong size" "^error $ERANGE|^error $EINVAL: .*: .+" ip netns exec "$ha" nl_send vpc 1 u16:1=5
check_fail_output "unknown attribute" "^error $EINVAL: .*: .+" ip netns exec "$ha" nl_send vpc 1 u32:1=30 u32:99=1
check_fail_output "name too long" "^error (34|22): .*: .+" ip netns exec "$ha" nl_send vpc 1 u32:1=30 \
	str:2=0123456789012345678901234567890123
check_fail_output "name not terminated" "^error $EINVAL: .*: .+" ip netns exec "$ha" nl_send vpc 1 u32:1=30 hex:2=414243
check_errno "unknown command" 95 ip netns exec "$ha" nl_send vpc 200
check_output "refusals changed nothing" '^\[\{"id":10,"name":"blue"\}\]$' vpc -j -n "$ha" net show

# The command refuses bad arguments itself, naming them.
check_fail_output "vpc: bad id named" 'argument "0" is wrong' vpc -n "$ha" net add id 0
check_fail_output "vpc: non-numeric id named" 'argument "abc" is wrong' vpc -n "$ha" net add id abc
check_fail_output "vpc: unknown command" 'Command "frob" is unknown, try "vpc net help"' vpc net frob
check_fail_output "vpc: unknown object" 'Object "bogus" is unknown' vpc bogus
check_fail_output "vpc: unknown namespace" 'cannot enter network namespace' vpc -n no-such-ns net show

# A dump larger than one message buffer resumes where it stopped.
for id in $(seq 1000 1399); do
	echo "net add id $id"
done >/tmp/vpc-nets.$$
check "add 400 VPCs with -batch" vpc -n "$hb" -batch /tmp/vpc-nets.$$
check_fail_output "-batch names the failing line" 'Command failed /tmp/vpc-nets.[0-9]+:1' \
	vpc -n "$hb" -batch /tmp/vpc-nets.$$
rm -f /tmp/vpc-nets.$$
check_output "dump returns all 401" '^401$' lines vpc -n "$hb" net show

# Namespace teardown frees its VPCs (vm-run catches a leak at unload).
check "delete host-b with 401 VPCs" ip netns del "$hb"
check_output "host-a unaffected" '^net 10 name blue$' vpc -n "$ha" net show
check "module unloads with VPCs configured" rmmod vpc

ktap_finished

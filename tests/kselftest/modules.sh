#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both modules load, register their generic netlink families (checked with a
# netlink query, not a log grep) and unload, three times in a row.  vpc's
# family is visible in every network namespace; cbs's only in the initial one.
. "$(dirname "$0")/lib.sh"
require_cmd nl_send

ROUNDS=3
ktap_plan $((ROUNDS * 7 + 3))
unload_module vpc
unload_module cbs

for round in $(seq 1 $ROUNDS); do
	check "round $round: vpc.ko loads" insmod "$VPC_KO"
	check "round $round: cbs.ko loads" insmod "$CBS_KO"
	check_output "round $round: vpc family answers a dump" '^ok ' nl_send -d vpc 3
	check_output "round $round: cbs family answers a dump" '^ok ' nl_send -d cbs 4
	check "round $round: both unload" rmmod vpc cbs
	check_errno "round $round: vpc family gone after unload" 2 nl_send -d vpc 3
	check_errno "round $round: cbs family gone after unload" 2 nl_send -d cbs 4
done

setup_ns other
load_module vpc
load_module cbs
defer unload_module vpc
defer unload_module cbs
check_output "vpc family visible in another netns" '^ok ' ip netns exec "$other" nl_send -d vpc 3
check_errno "cbs family not visible outside the initial netns" 2 ip netns exec "$other" nl_send -d cbs 4
check_output "cbs family visible in the initial netns" '^ok ' nl_send -d cbs 4

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko's objects over netlink: the underlay (and the collect_md gretap
# device it brings), ports, and mappings; their refusals (EEXIST, ENOENT,
# EINVAL with an extack message, EPERM), dumps that resume, and teardown
# when a port's netdev, a VPC, or the module goes away.
#
#   host netns: net 10, net 20; underlay 192.0.2.1 (plane 0), 198.51.100.1
#   veths va0, vb0, vc0 (their peers stay unused) become ports
. "$(dirname "$0")/lib.sh"
require_cmd nl_send vpc setpriv

ktap_plan 50
load_module vpc
defer unload_module vpc
setup_ns h

EINVAL=22
ERANGE=34
EPERM=1
V="vpc -n $h"
for d in va vb vc vd; do
	ip -n "$h" link add "${d}0" type veth peer name "${d}1"
done
idx() { ip netns exec "$h" cat "/sys/class/net/$1/ifindex"; }

check "add net 10 and 20" sh -c "$V net add id 10 && $V net add id 20"
check "underlay set plane 0" $V underlay set local 192.0.2.1
check "underlay set plane 1" $V underlay set local 198.51.100.1 plane 1
check_output "underlay show" '^underlay local 192\.0\.2\.1 local1 198\.51\.100\.1 dev vpc-gre$' \
	$V underlay show
check_output "vpc-gre is a collect_md gretap device" 'gretap external' \
	ip -d -n "$h" link show vpc-gre
check_output "underlay -j -s has GRE counters" '"gre_drop_unknown_key":0' $V -j -s underlay show
check_fail_output "underlay set without IP" 'argument "plane" is wrong|"local" is required' \
	$V underlay set plane 1

check "port add va0" $V port add dev va0 net 10 mac 02:00:00:00:00:01 ip 10.0.0.1 ip 10.9.0.0/16
check_output "port show va0" '^port va0 net 10 mac 02:00:00:00:00:01 ip 10\.0\.0\.1/32,10\.9\.0\.0/16$' \
	$V port show dev va0
check_fail_output "same device twice is EEXIST" 'File exists: vpc: the device is a port already' \
	$V port add dev va0 net 10 mac 02:00:00:00:00:01 ip 10.0.0.7
check_fail_output "same IP in the same VPC is EEXIST" 'File exists: vpc: another port of this VPC has this IP' \
	$V port add dev vb0 net 10 mac 02:00:00:00:00:02 ip 10.0.0.1
check "same IP and MAC in another VPC" $V port add dev vb0 net 20 mac 02:00:00:00:00:01 ip 10.0.0.1
check_fail_output "port in a missing VPC is ENOENT" 'No such file or directory: vpc: no VPC with this id' \
	$V port add dev vc0 net 99 mac 02:00:00:00:00:03 ip 10.0.0.3
check_fail_output "broadcast MAC refused" 'vpc: not a unicast MAC address' \
	$V port add dev vc0 net 10 mac ff:ff:ff:ff:ff:ff ip 10.0.0.3
check_fail_output "prefix with host bits refused" 'vpc: address has bits set beyond its prefix' \
	$V port add dev vc0 net 10 mac 02:00:00:00:00:03 ip 10.0.0.3/24
check_fail_output "the GRE device cannot be a port" 'Invalid argument' \
	$V port add dev vpc-gre net 10 mac 02:00:00:00:00:03 ip 10.0.0.3
check_output "dump shows both ports" '^2$' lines $V port show
check_output "port -s has counters" 'drop_spoof_mac 0' $V -s port show dev va0

check "map add" $V map add net 10 ip 10.0.0.2 mac 02:00:00:00:00:22 host 192.0.2.2
check_output "map show" '^map net 10 ip 10\.0\.0\.2 mac 02:00:00:00:00:22 host 192\.0\.2\.2$' \
	$V map show net 10
check_fail_output "map add of an existing one is EEXIST" 'File exists: vpc: a mapping for this IP exists' \
	$V map add net 10 ip 10.0.0.2 mac 02:00:00:00:00:23 host 192.0.2.3
check "map replace updates" $V map replace net 10 ip 10.0.0.2 mac 02:00:00:00:00:23 host 192.0.2.3,198.51.100.3
check_output "map replace took" '^map net 10 ip 10\.0\.0\.2 mac 02:00:00:00:00:23 host 192\.0\.2\.3,198\.51\.100\.3$' \
	$V map show net 10 ip 10.0.0.2
check "map replace creates" $V map replace net 20 ip 10.0.0.2 mac 02:00:00:00:00:22 host 192.0.2.2
check_output "map show filters by net" '^1$' lines $V map show net 20
check_fail_output "map in a missing VPC is ENOENT" 'no VPC with this id' \
	$V map add net 99 ip 10.0.0.2 mac 02:00:00:00:00:22 host 192.0.2.2
check "map del" $V map del net 20 ip 10.0.0.2
check_fail_output "map del of a missing one is ENOENT" 'No such file or directory: vpc: no mapping for this IP' \
	$V map del net 20 ip 10.0.0.2

# A dump larger than one message resumes where it stopped.
for i in $(seq 0 799); do
	echo "map add net 20 ip 10.1.$((i / 200)).$((i % 200 + 1)) mac 02:00:00:01:00:01 host 192.0.2.9"
done >"/tmp/vpc-maps.$$"
check "add 800 mappings with -batch" $V -batch "/tmp/vpc-maps.$$"
rm -f "/tmp/vpc-maps.$$"
check_output "dump returns all 801" '^801$' lines $V map show

# Malformed requests: EINVAL (or ERANGE) with the kernel's explanation.
NS="ip netns exec $h nl_send vpc"
check_fail_output "MAC of the wrong length" "^error ($ERANGE|$EINVAL): .*: .+" $NS 9 u32:1=10 hex:9=0a000005 \
	hex:7=0200000000 hex:10=c0000202
check_fail_output "map without host" "^error $EINVAL: .*missing host underlay IP" $NS 9 u32:1=10 \
	hex:9=0a000005 hex:7=020000000005
check_fail_output "IP of the wrong length" "^error $EINVAL: .*: .+" $NS 10 u32:1=10 hex:9=0a00
check_fail_output "prefix length 33" "^error ($ERANGE|$EINVAL): .*: .+" $NS 6 u32:1=10 u32:5=$(idx vc0) \
	hex:7=020000000003 hex:8=080001000a0000030500020021000000
check_fail_output "port without address" "^error $EINVAL: .*missing port address" $NS 6 u32:1=10 \
	u32:5=$(idx vc0) hex:7=020000000003
check_fail_output "attribute of another command" "^error $EINVAL: .*: .+" $NS 7 u32:5=$(idx va0) u32:1=10
check_fail_output "underlay 0.0.0.0" "^error $EINVAL: .*not a unicast IPv4 address" $NS 4 u32:3=0

# Enter the namespace as root, then drop to nobody.
NOBODY="ip netns exec $h setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --"
check_errno "unprivileged underlay set is EPERM" $EPERM $NOBODY nl_send vpc 4 hex:3=c0000209
check_errno "unprivileged port del is EPERM" $EPERM $NOBODY nl_send vpc 7 u32:5=$(idx va0)
check_errno "unprivileged map add is EPERM" $EPERM $NOBODY nl_send vpc 9 u32:1=10 hex:9=0a000005 \
	hex:7=020000000005 hex:10=c0000202
check_output "unprivileged dump allowed" '^ok 2$' $NOBODY nl_send -d vpc 8

# Notifications: the monitor has joined once it reports a change made after
# it started, so repeat that change until it does.
mon=/tmp/vpc-mon.$$
$V monitor >"$mon" 2>&1 &
defer "kill $!; rm -f $mon"
check "monitor reports a mapping added" busywait 10000 sh -c \
	"$V map replace net 20 ip 10.7.7.7 mac 02:00:00:00:07:07 host 192.0.2.7 && \
	grep -q '^add map net 20 ip 10\.7\.7\.7 mac 02:00:00:00:07:07 host 192\.0\.2\.7$' $mon"
$V map del net 20 ip 10.7.7.7
check "monitor reports a mapping deleted" busywait 5000 grep -q '^del map net 20 ip 10\.7\.7\.7 ' "$mon"

# Teardown follows the objects a port or mapping depends on.
# port_gone_with_netdev: vb0's netdev deleted, no port vb0 is listed.
port_gone_with_netdev() {
	local ports
	ip -n "$h" link del vb0 && ports=$($V port show) || return 1
	! grep vb0 <<<"$ports"
}
check "deleting a port's netdev deletes the port" port_gone_with_netdev
check "monitor reports the port gone with its netdev" busywait 5000 grep -q '^del port vb0 net 20 ' "$mon"
check "port del" $V port del dev va0
# net_del_takes_port: a port and a mapping of net 10 go with it.
net_del_takes_port() {
	local ports maps
	$V port add dev va0 net 10 mac 02:00:00:00:00:01 ip 10.0.0.1 && $V net del id 10 &&
		ports=$($V port show) && maps=$($V map show) || return 1
	echo "ports: $ports"
	[ -z "$ports" ] && ! grep '^map net 10 ' <<<"$maps"
}
check "port add again, then net del takes it" net_del_takes_port
check "ports attached for unload" sh -c "$V port add dev va0 net 20 mac 02:00:00:00:00:01 ip 10.0.0.1 \
	&& $V port add dev vc0 net 20 mac 02:00:00:00:00:03 ip 10.0.0.3"
check "module unloads with ports, mappings and the GRE device" rmmod vpc
check_fail_output "the GRE device went with it" 'does not exist' ip -n "$h" link show vpc-gre

ktap_finished

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The cloud end to end, everything through the controller's REST API and
# the agents: three hosts, two tenants with the same subnet, VMs on
# different hosts, a volume.  Ports converge on every host, each tenant
# pings across hosts, nothing crosses tenants (the other tenant's VMs
# with the same IPs see no frame), a volume attached to host1 is formatted,
# mounted, written, survives a storage server killed and restarted, and
# goes away on detach; a deleted port leaves every kernel.
#
#   controller 127.0.0.1:18080, cbs-server 127.0.0.1:18090, agents in the
#   initial namespace (helpers/cloud.sh draws the hosts)
#
#   tenant A, 10.0.0.0/24: a1 10.0.0.2 (host1)  a2 10.0.0.3 (host2)
#   tenant B, 10.0.0.0/24: b1 10.0.0.2 (host1)  b2 10.0.0.3 (host2)  b3 10.0.0.4 (host3)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/cloud.sh"
require_cmd vpc cbs cbs-server nimbus-controller nimbusctl nimbus-agent jq tcpdump ping mkfs.ext4

ktap_plan 55
load_module vpc
defer unload_module vpc
load_module cbs
defer unload_module cbs
cloud_setup 18080 18090

# --- the cloud: controller, storage, hosts and their agents -----------------
cloud_start_controller
check "the controller answers" cloud_controller_up
cloud_start_storage
check "the storage server answers" cloud_storage_up
check "the storage server is registered" cloud_register_storage store1 $((16 << 30))
hosts() {
	cloud_fabric && cloud_host 1 && cloud_host 2 && cloud_host 3
}
check_here "three hosts registered, each a namespace on the fabric" hosts
for n in 1 2 3; do
	cloud_start_agent $n
done
check "the three agents watch the controller" busywait 60000 cloud_all watching 1 2 3

# --- two tenants with the same subnet --------------------------------------
tenants() {
	local t
	for t in A B; do
		cloud_tenant $t && cloud_vpc $t vpc$t &&
			cloud_subnet $t vpc$t sn$t 10.0.0.0/24 10.0.0.1 || return 1
	done
}
check_here "tenants A and B, each a VPC with subnet 10.0.0.0/24" tenants
cloud_id VPC_A vpcA
cloud_id VPC_B vpcB
cloud_field VNI_A "$VPC_A" vni
cloud_field VNI_B "$VPC_B" vni
check "the two VPCs have their own GRE keys" test "$VNI_A" != "$VNI_B"
check_fail_output "B cannot see A's VPC (404)" 'HTTP 404' cloud_api GET "/v1/vpcs/$VPC_A" B

ports() {
	cloud_port A a1 vpcA snA 1 && cloud_port A a2 vpcA snA 2 &&
	cloud_port B b1 vpcB snB 1 && cloud_port B b2 vpcB snB 2 && cloud_port B b3 vpcB snB 3
}
check_here "five ports created through the API" ports
cloud_port_info a1
A1_IP=$PORT_IP
cloud_port_info b1
check_output "the tenants' first ports have the same IP" '^10\.0\.0\.2 10\.0\.0\.2$' echo "$A1_IP $PORT_IP"
cloud_port_info b3
check_output "b3 has 10.0.0.4, an address only B uses" '^10\.0\.0\.4$' echo "$PORT_IP"
vms() {
	local v
	for v in a1 a2 b1 b2 b3; do
		cloud_vm $v || return 1
	done
}
check "the hypervisors start five VMs (port devices created down)" vms

# --- convergence -----------------------------------------------------------
for n in 1 2 3; do
	check "host$n's kernel converges to its desired state" busywait 90000 cloud_converged $n
done
cloud_port_info a2
check_output "host1 maps A's 10.0.0.3 to a2's MAC on host2" \
	"ip 10\.0\.0\.3 mac $PORT_MAC host 192\.0\.2\.2" vpc -n "$(cloud_ns host1)" map show net "$VNI_A" ip 10.0.0.3
check "host3 has no VPC of tenant A" cloud_net_absent 3 "$VNI_A"
check "the agents report their states applied" busywait 30000 cloud_all synced 1 2 3

# --- traffic inside each tenant ---------------------------------------------
check "A: a1 (host1) pings a2 (host2)" cloud_ping a1 10.0.0.3
check "B: b1 (host1) pings b2 (host2), the same IPs" cloud_ping b1 10.0.0.3
check "B: b1 (host1) pings b3 (host3)" cloud_ping b1 10.0.0.4
check "B: b3 (host3) pings b2 (host2)" cloud_ping b3 10.0.0.3
check "A: a2 pings its gateway" cloud_ping a2 10.0.0.1

# --- nothing crosses tenants ------------------------------------------------
cloud_port_stat b2_tx0 b2 tx_packets
cloud_port_stat b3_tx0 b3 tx_packets
cloud_port_stat a2_tx0 a2 tx_packets
check_here "tcpdump listens in b1, b2, b3" cloud_capture b1 b2 b3
check "A: a1 pings 10.0.0.3 (a2, and b2's IP in B)" cloud_ping a1 10.0.0.3 20
check_fail_output "A: 10.0.0.4 (only B's b3) does not answer" '100% packet loss' \
	ip netns exec "$(cloud_ns a1)" ping -c 5 -i 0.2 -W 1 10.0.0.4
cloud_capture_stop
check_no_match "no frame of A's pings reached b1, b2 or b3" . cloud_captured b1 b2 b3
cloud_port_stat b2_tx1 b2 tx_packets
cloud_port_stat b3_tx1 b3 tx_packets
cloud_port_stat a2_tx1 a2 tx_packets
check "host2 delivered A's 20 pings to a2" test $((a2_tx1 - a2_tx0)) -ge 20
check "and nothing to b2 or b3 (their port tx counters did not move)" \
	test "$b2_tx1" -eq "$b2_tx0" -a "$b3_tx1" -eq "$b3_tx0"
# The control: the same capture sees B's own ping.
check_here "tcpdump listens in b3 again" cloud_capture b3
ip netns exec "$(cloud_ns b1)" ping -q -c 3 -i 0.2 -W 2 10.0.0.4 >/dev/null
cloud_capture_stop
check_output "the capture in b3 sees B's own ping" 'ICMP echo request' cloud_captured b3

# --- a volume on host1 -----------------------------------------------------
MNT=$CLOUD_DIR/mnt/disk1
mkdir -p "$MNT"
check "A creates a 1 GiB volume" cloud_volume A disk1 $((1 << 30))
cloud_id VOL disk1
cloud_id HOST1 host1
check_output "nimbusctl attaches it to host1" "^$VOL .*host $HOST1" \
	nimbusctl --token-file "$CLOUD_DIR/tokens/A" volume attach "$VOL" host "$HOST1"
check_output "host1's agent maps it: a block device appears" '^/dev/cbs[0-9]+$' \
	busywait 60000 cloud_volume_dev disk1
DEV=$KSFT_OUT
check "mkfs.ext4 on it" mkfs.ext4 -q -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$DEV"
check "mount it" mount "$DEV" "$MNT"
write_files() {
	head -c 4M /dev/urandom >"$CLOUD_DIR/file1.ref" &&
	cp "$CLOUD_DIR/file1.ref" "$MNT/file1" && echo "written before the restart" >"$MNT/note" && sync
}
check "write files and sync" write_files

# The storage server dies (-9) and comes back on its data: the agent hands
# the device new connections, the writer that waited meanwhile finishes.
cloud_kill storage KILL
check_output "the device lost its connection" 'live 0' busywait 60000 matches 'live 0' cbs show "$DEV"
sh -c "head -c 2M /dev/urandom >$CLOUD_DIR/file2.ref && cp $CLOUD_DIR/file2.ref $MNT/file2 && sync" \
	>"$CLOUD_DIR/writer.log" 2>&1 &
WRITER=$!
cloud_start_storage
check "the storage server restarts on its data" cloud_storage_up
check_output "the agent reconnects the device" 'live [1-9][0-9]* state up' \
	busywait 90000 matches 'live [1-9][0-9]* state up' cbs show "$DEV"
check "the write that waited for the server finishes" wait "$WRITER"
remount() {
	umount "$MNT" && echo 3 >/proc/sys/vm/drop_caches && mount "$DEV" "$MNT"
}
check "remount (nothing cached)" remount
check "the files survived the restart" sh -c \
	"mountpoint -q $MNT && cmp $MNT/file1 $CLOUD_DIR/file1.ref && cmp $MNT/file2 $CLOUD_DIR/file2.ref && grep -q 'before the restart' $MNT/note"
check "umount" umount "$MNT"
check_output "nimbusctl detaches it" "^$VOL " \
	nimbusctl --token-file "$CLOUD_DIR/tokens/A" volume detach "$VOL"
check "the device goes away" busywait 60000 cloud_volume_unmapped disk1

# --- a deleted port leaves every kernel ---------------------------------------
cloud_port_info a2
A2_IFNAME=$PORT_IFNAME
check "A deletes a2's port" cloud_port_del a2 A
check "host1 drops A's mapping of 10.0.0.3" busywait 60000 cloud_map_absent 1 "$VNI_A" 10.0.0.3
check "host2 drops a2's port" busywait 60000 cloud_port_absent 2 "$A2_IFNAME"
check "host2 drops A's VPC (a2 was its last port there)" busywait 60000 cloud_net_absent 2 "$VNI_A"
check_output "B's 10.0.0.3 stays mapped on host1" 'ip 10\.0\.0\.3 ' \
	vpc -n "$(cloud_ns host1)" map show net "$VNI_B" ip 10.0.0.3
for n in 1 2 3; do
	check "host$n's kernel converges after the delete" busywait 60000 cloud_converged $n
done
check_fail_output "a1 no longer reaches 10.0.0.3" '100% packet loss' \
	ip netns exec "$(cloud_ns a1)" ping -c 2 -i 0.2 -W 1 10.0.0.3
cloud_finished

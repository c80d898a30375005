#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpc.ko at scale: 100,000 mappings loaded through one `vpc -batch`, dumped
# whole in text and JSON, spot-checked, then deleted with their VPC, and the
# module's own slab objects go back to where they were.  How fast this is,
# and 1,000,000 mappings, are bench/vpc --scale's business: no timing here.
#
#   host netns h: net 7 (the 100,000 mappings), net 8 (one, must survive)
#   mapping N (1..100000): ip 10.0.0.0 + N, mac 02:00:00 + N,
#   host 192.0.2.(N % 250 + 1), and every tenth a plane-1 host 198.51.100.*
. "$(dirname "$0")/lib.sh"
require_cmd vpc

ktap_plan 17
load_module vpc
defer unload_module vpc
setup_ns h

N=100000
V="vpc -n $h"
W=$(mktemp -d /tmp/vpc-scale.XXXXXX)
defer rm -rf "$W"

# slab_objs CACHE: objects in use in one of the module's caches.  The test VM
# runs with slub_debug, so the caches are not merged and the count is exact.
slab_objs() {
	awk -v c="$1" '$1 == c { print $2 }' /proc/slabinfo
}
map_objs_before=$(slab_objs vpc_map)
host_objs_before=$(slab_objs vpc_host)

awk -v n=$N 'BEGIN {
	for (i = 1; i <= n; i++) {
		host = "192.0.2." (i % 250 + 1)
		if (i % 10 == 0)
			host = host ",198.51.100." (i % 250 + 1)
		printf "map add net 7 ip 10.%d.%d.%d mac 02:00:00:%02x:%02x:%02x host %s\n",
			int(i / 65536), int(i / 256) % 256, i % 256,
			int(i / 65536), int(i / 256) % 256, i % 256, host
	}
}' >"$W/maps"

check "net 7 and net 8 with one mapping" sh -c "$V net add id 7 && $V net add id 8 &&
	$V map add net 8 ip 10.0.0.1 mac 02:00:00:00:00:99 host 192.0.2.99"
start=$(date +%s%N)
check "load $N map add lines with -batch" $V -batch "$W/maps"
log "-batch of $N mappings: $((($(date +%s%N) - start) / 1000000)) ms"

check "map show net 7" sh -c "$V map show net 7 >$W/maps.txt"
check_output "lists $N" "^$N " wc -l "$W/maps.txt"
check_output "the first, in order" \
	'^map net 7 ip 10\.0\.0\.1 mac 02:00:00:00:00:01 host 192\.0\.2\.2$' head -n 1 "$W/maps.txt"
check_output "the last, with its plane-1 host" \
	'^map net 7 ip 10\.1\.134\.160 mac 02:00:00:01:86:a0 host 192\.0\.2\.1,198\.51\.100\.1$' \
	tail -n 1 "$W/maps.txt"
check_output "one from the middle by its IP" \
	'^map net 7 ip 10\.0\.195\.80 mac 02:00:00:00:c3:50 host 192\.0\.2\.1,198\.51\.100\.1$' \
	$V map show net 7 ip 10.0.195.80
check_output "map show (all VPCs) lists $((N + 1))" "^$((N + 1))\$" lines $V map show

# The JSON dump, one line: every entry, and three of them field by field.
json_entry() {
	local i=$1 host1=
	[ $((i % 10)) -eq 0 ] && host1=",\"host1\":\"198.51.100.$((i % 250 + 1))\""
	printf '{"net":7,"ip":"10.%d.%d.%d","mac":"02:00:00:%02x:%02x:%02x","host":"192.0.2.%d"%s}' \
		$((i >> 16)) $((i >> 8 & 255)) $((i & 255)) \
		$((i >> 16)) $((i >> 8 & 255)) $((i & 255)) $((i % 250 + 1)) "$host1"
}
json_check() {
	local i
	$V -j map show net 7 >"$W/maps.json" || return 1
	[ "$(grep -o '"ip":' "$W/maps.json" | wc -l)" -eq $N ] || return 1
	grep -q '^\[{.*}\]$' "$W/maps.json" || return 1
	for i in 1 $((N / 2 + 7)) $N; do
		grep -q -F "$(json_entry $i)" "$W/maps.json" || { json_entry $i; return 1; }
	done
}
check "-j map show: $N entries, spot-checked field by field" json_check
check "the slab holds $N more mappings" \
	test "$(slab_objs vpc_map)" -ge $((map_objs_before + N + 1))

# A failing line in a pipelined group: reported by its line number, the
# batch fails, and the lines before it are made.
printf '%s\n' "map add net 7 ip 10.2.0.1 mac 02:00:00:00:00:01 host 192.0.2.1" \
	"map add net 7 ip 10.0.0.5 mac 02:00:00:00:00:05 host 192.0.2.1" \
	"map add net 7 ip 10.2.0.3 mac 02:00:00:00:00:03 host 192.0.2.1" >"$W/dup"
check_fail_output "a duplicate in a batch names its line" \
	"^Error: cannot add mapping: File exists: vpc: a mapping for this IP exists in this VPC Command failed $W/dup:2 \$" \
	oneline $V -batch "$W/dup"
check_fail "and the batch fails" $V -batch "$W/dup"
check "the line before it was made" $V map show net 7 ip 10.2.0.1
# A show after queued changes sees them: the queue is sent first.
printf '%s\n' "map del net 7 ip 10.2.0.1" "map del net 7 ip 10.2.0.3" \
	"map show net 7 ip 10.2.0.3" >"$W/del"
check_fail_output "a show in a batch waits for the changes before it" \
	"^Error: cannot show mappings: No such file or directory: vpc: no mapping for this IP in this VPC Command failed $W/del:3 \$" \
	oneline $V -batch "$W/del"

check "net del 7 deletes its $N mappings" $V net del id 7
check_output "net 8's mapping is all that is left" \
	'^map net 8 ip 10\.0\.0\.1 mac 02:00:00:00:00:99 host 192\.0\.2\.99 $' \
	oneline $V map show
# Mappings and hosts are freed after an RCU grace period.
released() {
	[ "$(slab_objs vpc_map)" -le $((map_objs_before + 1)) ] &&
	[ "$(slab_objs vpc_host)" -le $((host_objs_before + 1)) ]
}
if busywait 20000 released; then
	ktap_ok "vpc_map and vpc_host slab objects are back down"
else
	ktap_fail "vpc_map and vpc_host slab objects are back down"
	log "vpc_map $(slab_objs vpc_map) (before $map_objs_before)," \
		"vpc_host $(slab_objs vpc_host) (before $host_objs_before)"
fi

ktap_finished

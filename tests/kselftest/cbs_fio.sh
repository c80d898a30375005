#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fio with crc32c verification on a cbs device with 4 connections, 4k random
# writes at queue depth 32: once undisturbed, once with the server killed
# (-9) and restarted in the middle; fio must see no error either time.
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server fio

ktap_plan 13
load_module cbs
defer unload_module cbs

cbs_setup 17100

run_fio() {
	fio --name=verify --filename="$DEV" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=32 --size=32M --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --verify_state_save=0 --randrepeat=0 --output="$1" \
		--output-format=terse >/dev/null 2>"$1.err"
}

cbs_start_server
check "server starts" cbs_server_answers
check "create the volume" cbs_admin create fiovol size 64M token tokf
cbs map fiovol server "$CBS_SERVER" token tokf conns 4 reconnect io-timeout 5 \
	>"$CBS_WORK/map.out" 2>"$CBS_WORK/map.err" &
MAP_PID=$!
defer "kill $MAP_PID"
check "cbs map with reconnect prints its device" busywait 10000 grep -q /dev/cbs "$CBS_WORK/map.out"
DEV=$(cat "$CBS_WORK/map.out")
check_output "mapped with 4 connections" 'conns 4 live 4 state up' cbs show "$DEV"

check "fio randwrite qd32 + crc32c verify" run_fio "$CBS_WORK/fio1"

# writes: the device's write count so far.
writes() {
	local out
	out=$(cbs -s show "$DEV") || return 1
	printf '%s\n' "$out" | sed -n 's/.* writes \([0-9][0-9]*\) .*/\1/p'
}
# writes_past N: the device has done more than N writes.
writes_past() {
	local w
	w=$(writes) && [ -n "$w" ] && [ "$w" -gt "$1" ]
}
# The kill lands in the middle of the second run: after 1000 of its 8192
# writes, while fio still runs, and the server stays down until the device
# has seen every link die.
check_output "the device's write count reads" '^[0-9]+$' writes
before=$KSFT_OUT
run_fio "$CBS_WORK/fio2" &
FIO_PID=$!
check "fio is 1000 writes into the second run" busywait 20000 writes_past $((before + 1000))
cbs_stop_server
check "fio was still running when the server died" kill -0 "$FIO_PID"
check "the device saw every link die" busywait 10000 matches 'live 0 state waiting' cbs show "$DEV"
cbs_start_server
check "server restarts" cbs_server_answers
wait "$FIO_PID"
fio_status=$?
check "fio survives kill -9 of the server with zero errors and verify" test "$fio_status" -eq 0
log "$(cat "$CBS_WORK/fio2.err")"
check_output "fio reported no I/O errors" '^0$' cut -d';' -f5 "$CBS_WORK/fio2"
check_output "links restored" 'live 4 state up' cbs show "$DEV"

ktap_finished

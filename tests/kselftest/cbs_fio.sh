#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fio with crc32c verification on a cbs device with 4 connections, 4k random
# writes at queue depth 32: once undisturbed, once with the server killed
# (-9) and restarted in the middle; fio must see no error either time.
. "$(dirname "$0")/lib.sh"
require_cmd cbs cbs-server fio

ktap_plan 6
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
cbs_admin create fiovol size 64M token tokf >/dev/null
cbs map fiovol server "$CBS_SERVER" token tokf conns 4 reconnect io-timeout 5 \
	>"$CBS_WORK/map.out" 2>"$CBS_WORK/map.err" &
MAP_PID=$!
defer "kill $MAP_PID"
busywait 10000 grep -q /dev/cbs "$CBS_WORK/map.out"
DEV=$(cat "$CBS_WORK/map.out")
check_output "mapped with 4 connections" 'conns 4 live 4 state up' cbs show "$DEV"

check "fio randwrite qd32 + crc32c verify" run_fio "$CBS_WORK/fio1"

run_fio "$CBS_WORK/fio2" &
FIO_PID=$!
busywait 20000 sh -c "cbs -s show $DEV | grep -q 'writes [1-9][0-9][0-9][0-9]'"
cbs_stop_server
sleep 1
cbs_start_server
wait "$FIO_PID"
fio_status=$?
check "fio survives kill -9 of the server with zero errors and verify" test "$fio_status" -eq 0
log "$(cat "$CBS_WORK/fio2.err")"
check_output "fio reported no I/O errors" '^0$' sh -c "cut -d';' -f5 $CBS_WORK/fio2"
check_output "links restored" 'live 4 state up' cbs show "$DEV"

ktap_finished

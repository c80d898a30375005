#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run tests itself, each case in a boot of its own: COMMAND's exit
# status comes through; --disk writes reach the file; a WARN, or an object
# leaked from a module's kmem_cache, gives 126 although COMMAND exited 0; a
# timeout gives 124; a bad option gives 125 without booting.
cd "$(dirname "$0")/.." || exit 1
VM=scripts/vm-run
KO=tests/kselftest/harness/nimbus_selftest.ko
n=0
failed=0

echo "TAP version 13"
echo "1..8"

expect() {
	local want=$1 name=$2 got out
	shift 2
	out=$("$@" 2>&1)
	got=$?
	n=$((n + 1))
	if [ "$got" -eq "$want" ]; then
		echo "ok $n harness: $name"
	else
		failed=$((failed + 1))
		echo "not ok $n harness: $name (exit $got, want $want)"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
	fi
}

expect 7 "COMMAND's exit status comes through" $VM --timeout 120 -- sh -c 'exit 7'
expect 0 "output streams and the repo is the working directory" $VM --timeout 120 -- \
	sh -c "test \"\$(pwd -P)\" = \"$(pwd -P)\" && test -w . && test ! -w /usr && echo streamed | grep -q streamed"
expect 126 "a WARN gives 126 though COMMAND exited 0" $VM --timeout 120 -- \
	sh -c "insmod $KO warn=1 && rmmod nimbus_selftest"
expect 126 "an object leaked from a kmem_cache is caught at unload" $VM --timeout 120 -- \
	sh -c "insmod $KO leak=1 && rmmod nimbus_selftest"
disk=$(mktemp /var/tmp/vm-run-disk.XXXXXX)
truncate -s 16M "$disk"
expect 0 "--disk: a flushed write inside the VM reaches the file" $VM --timeout 120 --disk "$disk" -- \
	sh -c 'echo nimbus-disk-marker | dd of=/dev/vda bs=4096 conv=sync,fsync status=none'
n=$((n + 1))
if [ "$(head -c 18 "$disk")" = nimbus-disk-marker ]; then
	echo "ok $n harness: --disk: the write is in the file"
else
	failed=$((failed + 1))
	echo "not ok $n harness: --disk: the write is in the file"
fi
rm -f "$disk"
expect 124 "a timeout gives 124" $VM --timeout 12 -- sleep 600
expect 125 "a bad option gives 125" $VM --bogus -- true

[ "$failed" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Power-cut test of cbs-server's durability, in two boots on one virtio disk:
# the first writes through cbs with FUA and flushes and is reset the moment
# the last acknowledgement is recorded; the second must find every
# acknowledged write, and shrinks acknowledged or cut mid-way must have lost
# nothing.  tmpfs would not do: its page cache outlives a killed process, so
# the data must sit on a filesystem on a real (virtual) disk.
cd "$(dirname "$0")/../.." || exit 1
disk=$(mktemp /var/tmp/cbs-powercut.XXXXXX)
mkdir -p build/powercut
acked=$PWD/build/powercut/acked.list
trap 'rm -f "$disk"' EXIT
truncate -s 512M "$disk"

echo "TAP version 13"
echo "1..10"
out=$(scripts/vm-run --timeout 900 --disk "$disk" -- tests/powercut/guest.sh write "$acked" 2>&1)
rc=$?
# 125: the VM stopped before COMMAND ended, which is what a reset does.
if [ "$rc" -eq 125 ]; then
	echo "ok 1 powercut: the writing VM was reset mid-command, kernel log clean"
else
	echo "not ok 1 powercut: the writing VM was reset mid-command, kernel log clean (vm-run $rc)"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
fi
scripts/vm-run --timeout 900 --disk "$disk" -- tests/powercut/guest.sh verify "$acked"

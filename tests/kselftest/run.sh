#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every kselftest (tests/kselftest/*.sh) in this VM, or those named.
# Each script's KTAP output passes through; cases a script never reported
# are printed as failures.  Exit non-zero if anything failed.
cd "$(dirname "$0")" || exit 1
. ../lib/tap.sh

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in *.sh; do
		case "$t" in lib.sh|run.sh) continue ;; esac
		tests+=("$t")
	done
fi

status=0
for t in "${tests[@]}"; do
	t=${t%.sh}.sh
	echo "# selftest: $t"
	start=$SECONDS
	run_tap "$t" bash "./$t" || status=1
	# For balancing make check's two VMs.
	echo "# ${t%.sh}: $((SECONDS - start)) s"
done
exit $status

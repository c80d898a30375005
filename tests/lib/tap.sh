# SPDX-License-Identifier: GPL-2.0
# run_tap NAME COMMAND...: run a TAP/KTAP-printing test program, pass its
# output through, and account for what it did not report: cases missing from
# its plan (it died mid-plan) become "not ok" lines, as does a non-zero exit
# with no failing case.  Exit 4 with nothing printed is one skipped case.
# Returns non-zero if anything failed.
run_tap() {
	local name=$1 out rc plan oks fails
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
	oks=$(grep -c -E '^ok ' "$out")
	fails=$(grep -c -E '^not ok ' "$out")
	rm -f "$out"
	if [ "$rc" -eq 4 ] && [ $((oks + fails)) -eq 0 ]; then
		echo "ok - $name # SKIP (exit 4)"
		return 0
	fi
	if [ -n "$plan" ] && [ $((oks + fails)) -lt "$plan" ]; then
		local i
		for i in $(seq $((oks + fails + 1)) "$plan"); do
			echo "not ok $i - $name: case $i never ran (exited $rc)"
		done
		return 1
	fi
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		echo "not ok - $name exited $rc"
		return 1
	fi
	[ "$fails" -eq 0 ] && [ "$rc" -eq 0 ]
}

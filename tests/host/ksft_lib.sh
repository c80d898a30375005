#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kselftest helpers (tests/kselftest/lib.sh) judged on the host, no VM:
# each case runs one helper in a subshell that sources the library, on a
# stub command whose exit status and output are chosen, and wants the
# verdict (ok / not ok) the helper must give.  A helper that passes a
# failing command, or fails a good one, fails its case here.  TAP output;
# exits non-zero if any case fails.  KSFT_LIB=FILE judges another copy of
# the library (an older one, to see what it let through).
cd "$(dirname "$0")/../.." || exit 1

LIB=${KSFT_LIB:-tests/kselftest/lib.sh}
n=0
failed=0

# Stubs.  says OUT RC: print OUT, exit RC.
says() {
	printf '%s\n' "$1"
	return "$2"
}
# killed: a command that dies of SIGTERM.
killed() {
	sh -c 'kill -TERM $$'
}
# third_try FILE: fails twice, then succeeds (a condition that comes true).
third_try() {
	echo x >>"$1"
	[ "$(wc -l <"$1")" -ge 3 ]
}

# result NAME WHY: one case, passed when WHY is empty, else failed with
# WHY as its diagnostics.
result() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n $1"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $n $1"
	printf '%s\n' "$2" | sed 's/^/# /'
}

# expect VERDICT NAME HELPER ARGS...: HELPER ARGS, run by a fresh copy of
# the library in a subshell, reports VERDICT ("ok" or "not ok") for its case.
expect() {
	local want=$1 name=$2 out got
	shift 2
	out=$(
		. "$LIB" >/dev/null 2>&1 || exit 99
		"$@" 2>&1
	)
	got=$(printf '%s\n' "$out" | sed -n -E 's/^(ok|not ok) [0-9]+ .*/\1/p' | tail -n 1)
	result "$name" "$([ "$got" = "$want" ] ||
		printf 'wanted "%s", the helper printed:\n%s\n' "$want" "$out")"
}

# expect_exit STATUS NAME CMDS: the shell code CMDS, after sourcing the
# library, exits with STATUS.
expect_exit() {
	local want=$1 name=$2 rc
	( . "$LIB" >/dev/null 2>&1 || exit 99; eval "$3" ) >/dev/null 2>&1
	rc=$?
	result "$name" "$([ "$rc" -eq "$want" ] || echo "wanted exit $want, got $rc")"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..39"

expect "ok" "check passes a command that succeeds" check c says hi 0
expect "not ok" "check fails a command that fails" check c says hi 1

expect "ok" "check_fail passes a command that fails" check_fail c says no 1
expect "not ok" "check_fail fails a command that succeeds" check_fail c says yes 0
expect "not ok" "check_fail fails a command that is not found" check_fail c no-such-command-ksft
expect "not ok" "check_fail fails a command killed by a signal" check_fail c killed
expect "not ok" "check_fail fails a command that timed out (124)" check_fail c says slow 124

expect "ok" "check_output passes success with matching output" \
	check_output c '^live 2$' says "live 2" 0
expect "not ok" "check_output fails success with other output" \
	check_output c '^live 2$' says "live 0" 0
expect "not ok" "check_output fails a command that fails with matching output" \
	check_output c 'Permission denied' says "Permission denied" 1
expect "not ok" "check_output fails empty output from a failing command for ^\$" \
	check_output c '^$' says "" 2

expect "ok" "check_fail_output passes a failure with the message" \
	check_fail_output c 'No space left' says "dd: No space left on device" 1
expect "not ok" "check_fail_output fails a success with the message" \
	check_fail_output c 'No space left' says "No space left on device" 0
expect "not ok" "check_fail_output fails a failure with another message" \
	check_fail_output c 'No space left' says "Input/output error" 1
expect "not ok" "check_fail_output fails a command that could not run" \
	check_fail_output c 'not found' says "sh: x: not found" 127
expect "not ok" "check_fail_output fails a command killed by a signal" \
	check_fail_output c '' killed

expect "ok" "check_no_match passes success without the line" \
	check_no_match c '^/dev/cbs1:' says "/dev/cbs0: volume v" 0
expect "ok" "check_no_match passes success without output for ." check_no_match c . says "" 0
expect "not ok" "check_no_match fails success with the line" \
	check_no_match c '^/dev/cbs1:' says "/dev/cbs1: volume v" 0
expect "not ok" "check_no_match fails a command that fails without output" \
	check_no_match c . says "" 1

expect "ok" "check_errno passes the wanted status" check_errno c 22 says "error 22" 22
expect "not ok" "check_errno fails another status" check_errno c 22 says "error 34" 34
expect "not ok" "check_errno fails success" check_errno c 2 says "ok" 0

expect "ok" "busywait under check passes a condition that comes true" \
	check c busywait 5000 third_try "$tmp/tries"
expect "not ok" "busywait under check fails one that never does" \
	check c busywait 200 says no 1
expect "not ok" "busywait + matches fails a failing command with matching output" \
	check c busywait 200 matches 'live 0' says "live 0" 1
expect "ok" "busywait + matches passes success with matching output" \
	check c busywait 200 matches 'live 0' says "live 0" 0
expect "not ok" "matches fails success with other output" \
	check c matches 'live 0' says "live 2" 0

expect "not ok" "oneline keeps a failing command's status" \
	check_output c '^a b $' oneline says $'a\nb' 1
expect "ok" "oneline joins the lines of a command that succeeds" \
	check_output c '^a b $' oneline says $'a\nb' 0
expect "not ok" "lines keeps a failing command's status" check_output c '^1$' lines says x 1
expect "ok" "lines counts the lines of a command that succeeds" \
	check_output c '^2$' lines says $'a\nb' 0

expect "ok" "KSFT_OUT holds the checked command's output" \
	eval 'check_output c . says /dev/cbs3 0 >/dev/null; check c test "$KSFT_OUT" = /dev/cbs3'

expect "ok" "check_here runs in the test's shell: what it sets stays" \
	eval 'check_here c eval "here=1" >/dev/null; check c test "${here:-0}" = 1'
expect "not ok" "check_here fails a command that fails" check_here c says no 1

expect_exit 0 "ktap_finished exits 0 when the plan's cases all pass" \
	'ktap_plan 1; check c true; ktap_finished'
expect_exit 1 "ktap_finished exits 1 when a case fails" \
	'ktap_plan 1; check c false; ktap_finished'
expect_exit 1 "ktap_finished exits 1 when fewer cases ran than planned" \
	'ktap_plan 2; check c true; ktap_finished'
expect_exit 1 "ktap_finished exits 1 when more cases ran than planned" \
	'ktap_plan 1; check c true; check c true; ktap_finished'

echo "# ksft_lib: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]

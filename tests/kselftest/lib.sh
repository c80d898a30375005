# SPDX-License-Identifier: GPL-2.0
# Shared helpers for Nimbus kselftests, sourced by each test script.  The
# tests run as root inside the test VM (scripts/vm-run); they create network
# namespaces with unique names and remove them, and anything else they made,
# from an EXIT trap.

set -u

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$REPO/build/bin:$PATH"
VPC_KO=$REPO/kmod/vpc/vpc.ko
CBS_KO=$REPO/kmod/cbs/cbs.ko

TEST_NAME=$(basename "$0" .sh)
ktap_count=0
ktap_failed=0
ktap_skipped=0
cleanup_cmds=()
test_namespaces=()

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_ok() {
	ktap_count=$((ktap_count + 1))
	echo "ok $ktap_count $TEST_NAME: $*"
}

ktap_fail() {
	ktap_count=$((ktap_count + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_count $TEST_NAME: $*"
}

ktap_skip() {
	local name=$1
	shift
	ktap_count=$((ktap_count + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_count $TEST_NAME: $name # SKIP $*"
}

# Diagnostics go out as TAP comments so they never look like results.
log() {
	echo "$*" | sed 's/^/# /'
}

# check NAME CMD...: one case that passes when CMD succeeds.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_ok "$name"
	else
		ktap_fail "$name"
		log "command: $*"
		log "$out"
	fi
}

# check_fail NAME CMD...: one case that passes when CMD fails (a negative test).
check_fail() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_fail "$name"
		log "command succeeded but must fail: $*"
		log "$out"
	else
		ktap_ok "$name"
	fi
}

# check_output NAME REGEX CMD...: CMD's output (stdout+stderr) matches REGEX.
check_output() {
	local name=$1 re=$2 out
	shift 2
	out=$("$@" 2>&1)
	if printf '%s\n' "$out" | grep -E -q -- "$re"; then
		ktap_ok "$name"
	else
		ktap_fail "$name"
		log "command: $*"
		log "expected /$re/, got:"
		log "$out"
	fi
}

# check_errno NAME ERRNO CMD...: CMD (nl_send) exits with ERRNO.
check_errno() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ktap_ok "$name"
	else
		ktap_fail "$name"
		log "command: $*"
		log "expected exit $want, got $rc: $out"
	fi
}

# busywait TIMEOUT_MS CMD...: poll CMD until it succeeds; no fixed sleeps.
busywait() {
	local timeout_ms=$1 start now
	shift
	start=$(date +%s%3N)
	while true; do
		"$@" && return 0
		now=$(date +%s%3N)
		[ $((now - start)) -ge "$timeout_ms" ] && return 1
		sleep 0.05
	done
}

# setup_ns VAR...: create a network namespace per VAR with a unique name
# (VAR-XXXXXX), store the name in VAR, bring its loopback up.
setup_ns() {
	local var name
	for var in "$@"; do
		name="$var-$(mktemp -u XXXXXX)"
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		test_namespaces+=("$name")
		printf -v "$var" '%s' "$name"
	done
}

defer() {
	cleanup_cmds+=("$*")
}

module_loaded() {
	[ -d "/sys/module/$1" ]
}

# load_module NAME: insmod NAME from the build tree unless it is loaded.
load_module() {
	local ko=$REPO/kmod/$1/$1.ko
	module_loaded "$1" || insmod "$ko"
}

unload_module() {
	! module_loaded "$1" || rmmod "$1"
}

cleanup() {
	local i ns
	for ((i = ${#cleanup_cmds[@]} - 1; i >= 0; i--)); do
		eval "${cleanup_cmds[i]}" >/dev/null 2>&1
	done
	for ns in "${test_namespaces[@]}"; do
		ip netns del "$ns" >/dev/null 2>&1
	done
}
trap cleanup EXIT

ktap_finished() {
	echo "# $TEST_NAME: $((ktap_count - ktap_failed - ktap_skipped)) passed, $ktap_failed failed, $ktap_skipped skipped"
	if [ "$ktap_failed" -gt 0 ]; then
		exit $KSFT_FAIL
	fi
	exit $KSFT_PASS
}

require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			echo "# $TEST_NAME: $c is not installed (run scripts/setup)"
			exit $KSFT_SKIP
		fi
	done
}

# cbs tests: a cbs-server on loopback with its data under $CBS_WORK.
# cbs_setup PORT: make the work directory, set CBS_SERVER and CBS_ADMIN,
# unmap every cbs device and stop the server at exit.
cbs_setup() {
	CBS_WORK=$(mktemp -d /tmp/cbs-test.XXXXXX)
	CBS_SERVER=127.0.0.1:$1
	CBS_ADMIN=admin-$1
	mkdir -p "$CBS_WORK/data"
	defer rm -rf "$CBS_WORK"
	defer cbs_stop_server
	defer 'for d in /sys/block/cbs*; do cbs unmap "${d##*/}" force; done'
}

# Not under check (a subshell): CBS_SERVER_PID must reach the test's shell,
# and a background child would hold check's output pipe open.
cbs_start_server() {
	cbs-server --listen "$CBS_SERVER" --data "$CBS_WORK/data" \
		--admin-token "$CBS_ADMIN" >>"$CBS_WORK/server.log" 2>&1 &
	CBS_SERVER_PID=$!
}

cbs_server_answers() {
	busywait 10000 cbs volume list server "$CBS_SERVER" admin-token "$CBS_ADMIN" >/dev/null
}

cbs_stop_server() {
	kill -9 "$CBS_SERVER_PID" 2>/dev/null
	wait "$CBS_SERVER_PID" 2>/dev/null
}

# cbs_admin VERB ARGS...: cbs volume VERB ARGS... against the test server.
cbs_admin() {
	cbs volume "$@" server "$CBS_SERVER" admin-token "$CBS_ADMIN"
}

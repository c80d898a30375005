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
ktap_planned=0
ktap_count=0
ktap_failed=0
ktap_skipped=0
cleanup_cmds=()
test_namespaces=()

ktap_plan() {
	ktap_planned=$1
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

# The checks.  Each runs its command once, keeps what it printed (stdout
# and stderr) in KSFT_OUT and its exit status in KSFT_RC, and asserts the
# exit status as well as the output: a command that fails never passes a
# check that wants success, however its output reads, and a check that
# wants a failure takes only a real refusal, not a command that could not
# run (126, 127), timed out (124, from timeout(1)) or died of a signal (above
# 128).  For an exact status (nl_send's errno), use check_errno.

# ksft_run CMD...: run CMD; its output in KSFT_OUT, its exit status in KSFT_RC.
ksft_run() {
	KSFT_OUT=$("$@" 2>&1)
	KSFT_RC=$?
}

# The reasons a case fails, one line each, none when it passes.
ksft_want_success() {
	[ "$KSFT_RC" -eq 0 ] || echo "exited $KSFT_RC, must succeed"
}

ksft_want_failure() {
	case $KSFT_RC in
	0) echo "succeeded, must fail" ;;
	124) echo "exited 124 (timed out), must fail by itself" ;;
	126 | 127) echo "exited $KSFT_RC: the command could not run" ;;
	*) [ "$KSFT_RC" -le 128 ] ||
		echo "exited $KSFT_RC: killed by a signal or exit(-1), not a refusal" ;;
	esac
}

ksft_want_match() {
	printf '%s\n' "$KSFT_OUT" | grep -E -q -- "$1" || echo "no line of the output matches /$1/"
}

ksft_want_no_match() {
	! printf '%s\n' "$KSFT_OUT" | grep -E -q -- "$1" || echo "a line of the output matches /$1/"
}

# ksft_verdict NAME WHY CMD...: one case, passed when WHY is empty, else
# failed with WHY, the command and its output as diagnostics.  Returns
# the verdict.
ksft_verdict() {
	local name=$1 why=$2
	shift 2
	if [ -z "$why" ]; then
		ktap_ok "$name"
		return 0
	fi
	ktap_fail "$name"
	log "command: $*"
	log "$why"
	log "output:${KSFT_OUT:+$'\n'}$KSFT_OUT"
	return 1
}

# check NAME CMD...: CMD succeeds.
check() {
	local name=$1
	shift
	ksft_run "$@"
	ksft_verdict "$name" "$(ksft_want_success)" "$@"
}

# check_here NAME CMD...: CMD succeeds, run in this shell rather than a
# subshell, so that the variables it sets and the jobs it starts stay.
# Its output goes to a file, which a job it leaves running may keep open.
check_here() {
	local name=$1 f
	shift
	f=$(mktemp)
	"$@" >"$f" 2>&1
	KSFT_RC=$?
	KSFT_OUT=$(cat "$f")
	rm -f "$f"
	ksft_verdict "$name" "$(ksft_want_success)" "$@"
}

# check_fail NAME CMD...: CMD fails (a negative test).  Prefer
# check_fail_output, which also says how.
check_fail() {
	local name=$1
	shift
	ksft_run "$@"
	ksft_verdict "$name" "$(ksft_want_failure)" "$@"
}

# check_output NAME REGEX CMD...: CMD succeeds and a line of its output
# (stdout and stderr) matches REGEX.
check_output() {
	local name=$1 re=$2
	shift 2
	ksft_run "$@"
	ksft_verdict "$name" "$(ksft_want_success; ksft_want_match "$re")" "$@"
}

# check_fail_output NAME REGEX CMD...: CMD fails, and a line of its output
# (the refusal's message) matches REGEX.
check_fail_output() {
	local name=$1 re=$2
	shift 2
	ksft_run "$@"
	ksft_verdict "$name" "$(ksft_want_failure; ksft_want_match "$re")" "$@"
}

# check_no_match NAME REGEX CMD...: CMD succeeds and no line of its output
# matches REGEX (REGEX "." for no output at all).
check_no_match() {
	local name=$1 re=$2
	shift 2
	ksft_run "$@"
	ksft_verdict "$name" "$(ksft_want_success; ksft_want_no_match "$re")" "$@"
}

# check_errno NAME ERRNO CMD...: CMD (nl_send) exits with ERRNO.
check_errno() {
	local name=$1 want=$2
	shift 2
	ksft_run "$@"
	ksft_verdict "$name" "$([ "$KSFT_RC" -eq "$want" ] ||
		echo "exited $KSFT_RC, must exit $want")" "$@"
}

# busywait TIMEOUT_MS CMD...: poll CMD until it succeeds; no fixed sleeps.
# Prints the last try's output.  Under a check it is one case; alone, its
# status must be checked (a timeout must not let a test go on).
busywait() {
	local timeout_ms=$1 start now out rc
	shift
	start=$(date +%s%3N)
	while true; do
		out=$("$@" 2>&1)
		rc=$?
		now=$(date +%s%3N)
		if [ "$rc" -eq 0 ] || [ $((now - start)) -ge "$timeout_ms" ]; then
			break
		fi
		sleep 0.05
	done
	[ -z "$out" ] || printf '%s\n' "$out"
	[ "$rc" -eq 0 ] || echo "busywait: still exit $rc after $timeout_ms ms: $*"
	return "$rc"
}

# Filters for checks and busywait that keep the command's exit status
# (a pipeline's status is its last command's: `sh -c "cmd | grep x"` passes
# when cmd fails but printed x, `sh -c "cmd | wc -l"` whenever wc runs).

# matches REGEX CMD...: CMD succeeds and a line of its output (stdout and
# stderr) matches REGEX; CMD's output is printed.  For busywait.
matches() {
	local re=$1
	shift
	ksft_run "$@"
	[ -z "$KSFT_OUT" ] || printf '%s\n' "$KSFT_OUT"
	[ -z "$(ksft_want_success; ksft_want_match "$re")" ]
}

# oneline CMD...: CMD's output (stdout and stderr) with every newline made a
# space, as `CMD 2>&1 | tr '\n' ' '` prints it; CMD's exit status.
oneline() {
	"$@" 2>&1 | tr '\n' ' '
	return "${PIPESTATUS[0]}"
}

# lines CMD...: how many lines CMD prints on stdout; CMD's exit status.
lines() {
	"$@" | wc -l
	return "${PIPESTATUS[0]}"
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

# ktap_finished: the summary; exit 1 if a case failed or the cases run
# are not the plan's.
ktap_finished() {
	echo "# $TEST_NAME: $((ktap_count - ktap_failed - ktap_skipped)) passed, $ktap_failed failed, $ktap_skipped skipped"
	if [ "$ktap_count" -ne "$ktap_planned" ]; then
		echo "# $TEST_NAME: planned $ktap_planned cases, ran $ktap_count"
		exit $KSFT_FAIL
	fi
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

# require_scapy: skip unless Debian's python3 has scapy; PY is that python,
# for the frame crafting helpers (tests/kselftest/helpers/*.py).
PY=/usr/bin/python3
require_scapy() {
	if ! "$PY" -c 'import scapy' 2>/dev/null; then
		echo "# $TEST_NAME: python3-scapy is not installed (run scripts/setup)"
		exit $KSFT_SKIP
	fi
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

# cbs replica sets: N cbs-servers, each in a network namespace of its own
# behind a veth pair to the initial namespace (where cbs.ko and the cbs
# command run), so that one can be cut off with cbs_cut_server.  Server I
# (1..N) listens on 10.201.I.2:PORT in namespace CBS_NS[I]; the initial
# namespace has 10.201.I.1 on its end (c<PORT>r<I>) and routes between
# them.  Every server has the admin token CBS_ADMIN and its data in
# $CBS_WORK/dataI (tmpfs: keep volumes thin and small).
#
# cbs_replicas_setup N PORT: make the namespaces and links, set CBS_SRV[I]
# (ADDR:PORT), CBS_SERVERS (all of them, comma separated), CBS_WORK and
# CBS_ADMIN; kill the servers and unmap every cbs device at exit.
cbs_replicas_setup() {
	local n=$1 port=$2 i ns ifname fwd
	CBS_WORK=$(mktemp -d /tmp/cbs-test.XXXXXX)
	CBS_ADMIN=admin-$port
	CBS_PORT=$port
	CBS_NREPLICAS=$n
	CBS_NS=() CBS_SRV=() CBS_PID=() CBS_LINK=()
	defer rm -rf "$CBS_WORK"
	fwd=$(sysctl -n net.ipv4.ip_forward)
	defer sysctl -qw net.ipv4.ip_forward="$fwd"
	sysctl -qw net.ipv4.ip_forward=1 || return 1
	for ((i = 1; i <= n; i++)); do
		setup_ns ns || return 1
		ns=$ns
		ifname=c${port}r$i
		ip link add "$ifname" type veth peer name eth0 netns "$ns" || return 1
		ip addr add "10.201.$i.1/24" dev "$ifname" &&
			ip link set "$ifname" up &&
			ip -n "$ns" addr add "10.201.$i.2/24" dev eth0 &&
			ip -n "$ns" link set eth0 up &&
			ip -n "$ns" route add default via "10.201.$i.1" || return 1
		CBS_NS[i]=$ns
		CBS_LINK[i]=$ifname
		CBS_SRV[i]=10.201.$i.2:$port
		mkdir -p "$CBS_WORK/data$i"
	done
	CBS_SERVERS=$(IFS=,; echo "${CBS_SRV[*]}")
	defer cbs_kill_all_servers
	defer 'for d in /sys/block/cbs*; do cbs unmap "${d##*/}" force; done'
}

# cbs_start I: start server I in its namespace (not under check: the pid
# must reach the test's shell); cbs_answers I: busywait until it answers.
cbs_start() {
	ip netns exec "${CBS_NS[$1]}" cbs-server --listen "${CBS_SRV[$1]}" \
		--data "$CBS_WORK/data$1" --admin-token "$CBS_ADMIN" \
		${CBS_SERVER_OPTS:-} >>"$CBS_WORK/server$1.log" 2>&1 &
	CBS_PID[$1]=$!
}

cbs_answers() {
	busywait 20000 cbs volume list server "${CBS_SRV[$1]}" admin-token "$CBS_ADMIN" >/dev/null
}

# cbs_kill I: kill -9 server I and reap it.
cbs_kill() {
	[ -n "${CBS_PID[$1]:-}" ] || return 0
	kill -9 "${CBS_PID[$1]}" 2>/dev/null
	wait "${CBS_PID[$1]}" 2>/dev/null
	CBS_PID[$1]=
}

cbs_kill_all_servers() {
	local i
	for ((i = 1; i <= CBS_NREPLICAS; i++)); do
		cbs_kill "$i"
	done
}

# cbs_cut I / cbs_heal I: take server I's link down (no RST, no FIN: every
# connection to it just stops) / bring it back up.
cbs_cut() {
	ip link set "${CBS_LINK[$1]}" down
}

cbs_heal() {
	ip link set "${CBS_LINK[$1]}" up &&
		ip -n "${CBS_NS[$1]}" route replace default via "10.201.$1.1"
}

# cbs_fsck I: cbs-server --fsck on server I's data (the server stopped).
cbs_fsck() {
	cbs-server --fsck --data "$CBS_WORK/data$1"
}

# cbs_on I CMD ARGS...: cbs CMD ARGS... server ADDR_I admin-token T.
cbs_on() {
	local i=$1
	shift
	cbs "$@" server "${CBS_SRV[$i]}" admin-token "$CBS_ADMIN"
}

# cbs_all CMD ARGS...: the same against every server (the list).
cbs_all() {
	cbs "$@" server "$CBS_SERVERS" admin-token "$CBS_ADMIN"
}

# SPDX-License-Identifier: GPL-2.0
# A small Nimbus cloud inside the test VM, built through the controller's
# REST API: for tests/kselftest/cloud_*.sh, scripts/demo and bench/converge.
# Sourced after lib.sh (defer, busywait, matches).
#
#   initial namespace:  nimbus-controller  127.0.0.1:$CLOUD_API_PORT (DB on tmpfs)
#                       cbs-server         127.0.0.1:$CLOUD_CBS_PORT (data on tmpfs)
#                       nimbus-agent --netns hostN, one per host; /dev/cbsN
#
#                          fabric: bridge br0
#             +-------------------+-------------------+
#        host1 192.0.2.1     host2 192.0.2.2     host3 192.0.2.3     (veth ul0)
#           | npXXXXXXXXXXXX: a port's device, created DOWN by the
#           |                 "hypervisor" (cloud_vm); the agent attaches it
#        VM: eth0 with the port's MAC and IP, default route via the gateway
#
# Everything a helper learns is kept under $CLOUD_DIR, so that helpers also
# work in check's subshell: tokens/WHO (admin, a tenant, hostN), ids/NAME
# (the id of a named object), obj/ID (an object's JSON), pid/NAME.
#
# Forks cost about 150 ms each under TCG: the API client is bash's
# /dev/tcp (no curl per request), JSON fields are read with bash regexes,
# and devices are made in `ip -batch` lumps.

CLOUD_MTU=1450	# 1500-byte underlay - 20 outer IPv4 - 8 GRE with key - 14 inner Ethernet

# cloud_ns NAME: the network namespace of host or VM NAME ("host1", "a1"):
# NAME plus this run's suffix, so that tests never collide with another's
# leftovers (the demo runs with none).
cloud_ns() {
	printf '%s%s\n' "$1" "${CLOUD_SUFFIX-}"
}

# cloud_setup API_PORT CBS_PORT [SUFFIX]: the work directory, the admin
# token, ports, and the cleanup of everything the helpers start.
cloud_setup() {
	CLOUD_API_PORT=$1
	CLOUD_CBS_PORT=$2
	CLOUD_SUFFIX=${3--$(mktemp -u XXXXXX)}
	CLOUD_URL=http://127.0.0.1:$CLOUD_API_PORT
	CLOUD_DIR=$(mktemp -d /tmp/cloud.XXXXXX) || return 1
	mkdir -p "$CLOUD_DIR"/{tokens,ids,obj,pid,log,mnt} || return 1
	cloud_random_token >"$CLOUD_DIR/tokens/admin"
	cloud_random_token >"$CLOUD_DIR/cbs-admin-token"
	export NIMBUS_URL=$CLOUD_URL
	defer cloud_cleanup
}

cloud_random_token() {
	printf '%08x%08x%08x%08x\n' $SRANDOM $SRANDOM $SRANDOM $SRANDOM
}

# cloud_cleanup: agents first (they watch namespaces and map volumes), then
# mounts, devices, the daemons, the namespaces.
cloud_cleanup() {
	local f m ns
	for f in "$CLOUD_DIR"/pid/agent*; do
		[ -e "$f" ] && cloud_kill "${f##*/}" TERM
	done
	for m in "$CLOUD_DIR"/mnt/*; do
		mountpoint -q "$m" && umount -l "$m"
	done
	for f in "$CLOUD_DIR"/pid/*; do
		[ -e "$f" ] && cloud_kill "${f##*/}" KILL
	done
	for f in /sys/block/cbs*; do
		[ -e "$f" ] && cbs unmap "${f##*/}" force
	done
	if [ -e "$CLOUD_DIR/netns" ]; then
		while read -r ns; do
			ip netns del "$ns"
		done <"$CLOUD_DIR/netns"
	fi
	rm -rf "$CLOUD_DIR"
}

# cloud_finished: ktap_finished, after the daemons' last words as
# diagnostics when a case failed (cleanup's output goes nowhere).
cloud_finished() {
	local f
	if [ "$ktap_failed" -gt 0 ]; then
		for f in "$CLOUD_DIR"/log/*; do
			[ -s "$f" ] && log "--- ${f##*/}, last lines:" && log "$(tail -n 20 "$f")"
		done
	fi
	ktap_finished
}

# cloud_netns NAME...: create the namespaces of NAMEs, in one ip -batch
# (whoever needs a namespace's loopback brings it up).
cloud_netns() {
	local n ns
	for n in "$@"; do
		ns=$(cloud_ns "$n")
		echo "$ns" >>"$CLOUD_DIR/netns"
		echo "netns add $ns"
	done | ip -b -
}

# --- processes -------------------------------------------------------------

# cloud_spawn NAME CMD...: start a daemon in the background (in this shell,
# not under check: its pid must stay known), output to log/NAME.
cloud_spawn() {
	local name=$1
	shift
	"$@" >>"$CLOUD_DIR/log/$name" 2>&1 &
	echo $! >"$CLOUD_DIR/pid/$name"
}

# cloud_pid NAME: the pid of a daemon that cloud_spawn started.
cloud_pid() {
	local pid
	read -r pid <"$CLOUD_DIR/pid/$1" && echo "$pid"
}

# cloud_kill NAME [SIGNAL]: stop a daemon and reap it.  Succeeds if it ran.
cloud_kill() {
	local pid
	[ -e "$CLOUD_DIR/pid/$1" ] || return 1
	read -r pid <"$CLOUD_DIR/pid/$1"
	rm -f "$CLOUD_DIR/pid/$1"
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 1
	# A child of this shell is reaped by wait; one of a subshell, polled.
	wait "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# --- the REST API ----------------------------------------------------------

# cloud_api METHOD PATH WHO [BODY]: one request with WHO's token (admin, a
# tenant's name, hostN), in this shell, over bash's /dev/tcp: API_STATUS,
# API_BODY.  Succeeds on a 2xx answer; otherwise prints the answer.
cloud_api() {
	local method=$1 path=$2 who=$3 body=${4-} token status line fd LC_ALL=C
	API_STATUS=000
	API_BODY=
	read -r token <"$CLOUD_DIR/tokens/$who" || return 1
	if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$CLOUD_API_PORT"; } 2>/dev/null; then
		echo "$method $path: cannot connect to 127.0.0.1:$CLOUD_API_PORT"
		return 1
	fi
	# HTTP/1.0: the answer is never chunked and ends with the connection.
	printf '%s %s HTTP/1.0\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$method" "$path" "$token" "${#body}" "$body" >&"$fd"
	if read -r -t 60 _ status _ <&"$fd"; then
		while IFS= read -r -t 60 line <&"$fd" && [ -n "${line%$'\r'}" ]; do :; done
		IFS= read -r -d '' -t 60 API_BODY <&"$fd"
	fi
	exec {fd}>&-
	API_STATUS=${status:-000}
	[ -z "${CLOUD_TRACE-}" ] || [ "$method" = GET ] || cloud_trace "$method $path $body"
	case $API_STATUS in
	2??) return 0 ;;
	esac
	echo "$method $path: HTTP $API_STATUS $API_BODY"
	return 1
}

# cloud_trace REQUEST: with CLOUD_TRACE set (the demo), each change sent
# through cloud_api is printed with its answer, tokens cut short.
cloud_trace() {
	local req answer
	cloud_mask req "$1"
	cloud_mask answer "$API_BODY"
	[ ${#answer} -le 160 ] || answer="${answer:0:157}..."
	printf '  %s\n    -> %s %s\n' "$req" "$API_STATUS" "$answer"
}

# cloud_mask VAR TEXT: VAR = TEXT with each token's value (token,
# admin_token) cut to its first 6 characters.
cloud_mask() {
	local _m_in=$2 _m_out= _m_rest _m_key='token":"'
	while [[ $_m_in == *"$_m_key"* ]]; do
		_m_rest=${_m_in#*"$_m_key"}
		_m_out+="${_m_in%%"$_m_key"*}$_m_key${_m_rest:0:6}..."
		_m_in=\"${_m_rest#*\"}
	done
	printf -v "$1" '%s' "$_m_out$_m_in"
}

# json_get VAR KEY [JSON]: VAR = the first string or number value of KEY
# in JSON (default API_BODY).  For flat objects, or a first key that is
# unambiguous.
json_get() {
	local _json_re="\"$2\":(\"([^\"]*)\"|(-?[0-9]+)|null)"
	[[ ${3-$API_BODY} =~ $_json_re ]] || return 1
	printf -v "$1" '%s' "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
}

# cloud_create VAR NAME WHO PATH BODY: POST, keep the answer as obj/ID and
# the id as ids/NAME; VAR = the id.
cloud_create() {
	local _cc_id
	cloud_api POST "$4" "$3" "$5" || return 1
	json_get _cc_id id || { echo "no id in: $API_BODY"; return 1; }
	printf '%s\n' "$API_BODY" >"$CLOUD_DIR/obj/$_cc_id"
	echo "$_cc_id" >"$CLOUD_DIR/ids/$2"
	printf -v "$1" '%s' "$_cc_id"
}

# cloud_id VAR NAME: the id of the object created as NAME.
cloud_id() {
	local _ci_id
	read -r _ci_id <"$CLOUD_DIR/ids/$2" && printf -v "$1" '%s' "$_ci_id"
}

# cloud_field VAR ID KEY: a field of the object ID as it was created.
cloud_field() {
	local _cf_obj
	IFS= read -r _cf_obj <"$CLOUD_DIR/obj/$2" && json_get "$1" "$3" "$_cf_obj"
}

# --- daemons ---------------------------------------------------------------

cloud_start_controller() {
	cloud_spawn controller nimbus-controller --listen "127.0.0.1:$CLOUD_API_PORT" \
		--db "$CLOUD_DIR/controller.db" --admin-token-file "$CLOUD_DIR/tokens/admin"
}

# cloud_controller_up: wait until the controller answers (for check).
cloud_controller_up() {
	busywait 30000 cloud_api GET /v1/hosts admin >/dev/null
}

cloud_start_storage() {
	mkdir -p "$CLOUD_DIR/cbs-data"
	cloud_spawn storage cbs-server --listen "127.0.0.1:$CLOUD_CBS_PORT" \
		--data "$CLOUD_DIR/cbs-data" --admin-token-file "$CLOUD_DIR/cbs-admin-token"
}

cloud_storage_up() {
	busywait 30000 cbs volume list server "127.0.0.1:$CLOUD_CBS_PORT" \
		admin-token-file "$CLOUD_DIR/cbs-admin-token" >/dev/null
}

# cloud_register_storage NAME CAPACITY: POST /v1/storage-servers.
cloud_register_storage() {
	local tok id
	read -r tok <"$CLOUD_DIR/cbs-admin-token"
	cloud_create id "$1" admin /v1/storage-servers \
		"{\"name\":\"$1\",\"address\":\"127.0.0.1:$CLOUD_CBS_PORT\",\"capacity\":$2,\"admin_token\":\"$tok\"}"
}

# --- hosts -----------------------------------------------------------------

# cloud_fabric: the fabric namespace and its bridge.
cloud_fabric() {
	cloud_netns fabric &&
	ip -n "$(cloud_ns fabric)" link add br0 type bridge &&
	ip -n "$(cloud_ns fabric)" link set br0 up
}

# cloud_host N: namespace hostN with underlay 192.0.2.N/24 on the fabric,
# registered as host "hostN"; its token is tokens/hostN.
cloud_host() {
	local n=$1 ns id tok
	ns=$(cloud_ns "host$n")
	cloud_netns "host$n" &&
	# No IPv6 on the host's devices: no router solicitation or MLD report
	# from a port's device may blur a VM's capture or counters.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 &&
	ip link add ul0 netns "$ns" type veth peer name "host$n" netns "$(cloud_ns fabric)" &&
	ip -n "$(cloud_ns fabric)" link set "host$n" master br0 up &&
	ip -n "$ns" -b - <<-EOF &&
		link set lo up
		addr add 192.0.2.$n/24 dev ul0
		link set ul0 up
	EOF
	cloud_create id "host$n" admin /v1/hosts "{\"name\":\"host$n\",\"underlay\":[\"192.0.2.$n\"]}" &&
	json_get tok token &&
	echo "$tok" >"$CLOUD_DIR/tokens/host$n"
}

# cloud_start_agent N [ARGS...]: hostN's agent, in the initial namespace,
# programming the namespace hostN; metrics on 127.0.0.1:API_PORT+N.
cloud_start_agent() {
	local n=$1 id
	shift
	cloud_id id "host$n" || return 1
	cloud_spawn "agent$n" nimbus-agent --controller "$CLOUD_URL" --host "$id" \
		--token-file "$CLOUD_DIR/tokens/host$n" --netns "$(cloud_ns "host$n")" \
		--metrics "127.0.0.1:$((CLOUD_API_PORT + n))" "$@"
}

# cloud_watching N: hostN's agent holds a poll on the controller.
cloud_watching() {
	local id w
	cloud_id id "host$1" && cloud_api GET "/v1/hosts/$id" admin &&
		json_get w watchers && [ "$w" -ge 1 ]
}

# cloud_all WHAT N...: cloud_WHAT N holds for every N (for busywait).
cloud_all() {
	local what=$1 n
	shift
	for n in "$@"; do
		"cloud_$what" "$n" || return 1
	done
}

# cloud_synced N: hostN's agent reported applying its state's revision.
cloud_synced() {
	local id want have
	cloud_id id "host$1" &&
	cloud_api GET "/v1/hosts/$id/state" admin && json_get want revision &&
	cloud_api GET "/v1/hosts/$id" admin || return 1
	json_get have revision || { echo "host$1: no status reported yet"; return 1; }
	[ "$have" -ge "$want" ] || { echo "host$1: applied $have, desired $want"; return 1; }
}

# cloud_diff N: what hostN's kernel holds that its desired state does not,
# and the reverse, one line each ("missing map ...", "extra port ..."); no
# output when they agree.  Ports count only once their device exists.  One
# vpc -batch dumps everything: its JSON objects are told apart by their keys.
cloud_diff() {
	local n=$1 ns id state kernel links
	ns=$(cloud_ns "host$n")
	cloud_id id "host$n" && cloud_api GET "/v1/hosts/$id/state" admin || return 1
	state=$API_BODY
	kernel=$(vpc -n "$ns" -j -b - <<-EOF
		underlay show
		net show
		subnet show
		route show
		port show
		map show
	EOF
	) && links=$(ip -n "$ns" -j link show) || return 1
	jq -nr --argjson s "$state" --argjson k "$kernel" --argjson links "$links" '
		def cmp($what; $want; $have):
			($want - $have | map("missing \($what) \(.)")) +
			($have - $want | map("extra \($what) \(.)"));
		def of($key): [$k[] | select(has($key) and ($key == "local" or (has("local") | not)))];
		($links | map(.ifname)) as $devs |
		cmp("underlay"; $s.host.underlay[:1]; of("local") | map(.local | select(. != "none"))) +
		cmp("net"; $s.vpcs | map(.vni) | sort; of("id") | map(.id) | sort) +
		cmp("port"; [$s.ports[] | select(.ifname as $d | $devs | index($d)) |
				"\(.ifname) net \(.vni) mac \(.mac) ip \(.ip)/\(if (.ip | contains(":")) then 128 else 32 end)"] | sort;
			[of("dev")[] | "\(.dev) net \(.net) mac \(.mac) ip \(.ip)"] | sort) +
		cmp("map"; [$s.mappings[] | "net \(.vni) ip \(.ip) mac \(.mac) host \(.underlay | join(","))"] | sort;
			[of("host")[] | "net \(.net) ip \(.ip) mac \(.mac) host \(.host)"] | sort) +
		cmp("subnet"; [$s.vpcs[] | .vni as $v | .subnets[] | "net \($v) \(.cidr) gw \(.gateway)"] | sort;
			[of("gw")[] | "net \(.net) \(.prefix) gw \(.gw)"] | sort) +
		cmp("route"; [$s.vpcs[] | .vni as $v | .routes[] | "net \($v) \(.cidr) via \(.via)"] | sort;
			[of("via")[] | "net \(.net) \(.prefix) via \(.via)"] | sort) | .[]'
}

# cloud_converged N...: every named host's kernel is its desired state.
cloud_converged() {
	local n out
	for n in "$@"; do
		out=$(cloud_diff "$n") || return 1
		[ -z "$out" ] || { echo "host$n: $out"; return 1; }
	done
}

# cloud_count N OBJECT: how many OBJECTs (net, port, map) hostN's kernel
# holds, from one dump; vpc's exit status.
cloud_count() {
	local out nl
	out=$(vpc -n "$(cloud_ns "host$1")" "$2" show) || return 1
	nl=${out//[!$'\n']/}
	echo $((${#out} ? ${#nl} + 1 : 0))
}

# cloud_has N OBJECT COUNT: hostN's kernel holds COUNT OBJECTs.
cloud_has() {
	local c
	c=$(cloud_count "$1" "$2") || return 1
	echo "host$1: $c $2"
	[ "$c" -eq "$3" ]
}

# cloud_map_absent N VNI IP: hostN's kernel has no mapping of IP in VNI
# (vpc map show refuses it as missing; any other failure is no answer).
cloud_map_absent() {
	local out
	out=$(vpc -n "$(cloud_ns "host$1")" map show net "$2" ip "$3" 2>&1) &&
		{ echo "still mapped: $out"; return 1; }
	[[ $out == *"No such"* ]] || { echo "$out"; return 1; }
}

# cloud_port_absent N IFNAME: hostN's kernel has no port on IFNAME.
cloud_port_absent() {
	local out
	out=$(vpc -n "$(cloud_ns "host$1")" port show) || return 1
	[[ $out != *"port $2 "* ]] || { echo "$out"; return 1; }
}

# cloud_net_absent N VNI: hostN's kernel has no VPC VNI.
cloud_net_absent() {
	local out
	out=$(vpc -n "$(cloud_ns "host$1")" -j net show) || return 1
	[[ $out != *"\"id\":$2,"* && $out != *"\"id\":$2}"* ]] || { echo "$out"; return 1; }
}

# --- tenants, VPCs, ports --------------------------------------------------

# cloud_tenant NAME: a tenant; its token becomes tokens/NAME.
cloud_tenant() {
	local id tok
	cloud_create id "$1" admin /v1/tenants "{\"name\":\"$1\"}" &&
	json_get tok token && echo "$tok" >"$CLOUD_DIR/tokens/$1"
}

# cloud_vpc TENANT NAME: tenant's VPC NAME (ids/NAME).
cloud_vpc() {
	local id
	cloud_create id "$2" "$1" /v1/vpcs "{\"name\":\"$2\"}"
}

# cloud_subnet TENANT VPCNAME NAME CIDR GATEWAY.
cloud_subnet() {
	local vpc id
	cloud_id vpc "$2" &&
	cloud_create id "$3" "$1" "/v1/vpcs/$vpc/subnets" "{\"cidr\":\"$4\",\"gateway\":\"$5\"}"
}

# cloud_port TENANT NAME VPCNAME SUBNETNAME HOSTN [MEMBERS]: a port (a VM
# NIC) named NAME on hostN; MEMBERS, more of the request's JSON members
# ("allowed_address_pairs":[...]).
cloud_port() {
	local vpc subnet host id
	cloud_id vpc "$3" && cloud_id subnet "$4" && cloud_id host "host$5" &&
	cloud_create id "$2" "$1" /v1/ports \
		"{\"vpc\":\"$vpc\",\"subnet\":\"$subnet\",\"host\":\"$host\"${6:+,$6}}" &&
	echo "$5" >"$CLOUD_DIR/ids/$2.hostn"
}

# cloud_port_info NAME: PORT_ID PORT_IP PORT_MAC PORT_IFNAME PORT_HOSTN
# PORT_PLEN PORT_GW of port NAME.
cloud_port_info() {
	local subnet cidr
	cloud_id PORT_ID "$1" && read -r PORT_HOSTN <"$CLOUD_DIR/ids/$1.hostn" &&
	cloud_field PORT_IP "$PORT_ID" ip && cloud_field PORT_MAC "$PORT_ID" mac &&
	cloud_field PORT_IFNAME "$PORT_ID" ifname && cloud_field subnet "$PORT_ID" subnet &&
	cloud_field cidr "$subnet" cidr && cloud_field PORT_GW "$subnet" gateway &&
	PORT_PLEN=${cidr#*/}
}

# cloud_vm NAME: the "hypervisor" starts VM NAME on port NAME: a namespace
# NAME whose eth0 has the port's MAC and IP and a default route via the
# gateway, its veth peer the port's ifname in the host's namespace, DOWN
# (the agent attaches it and brings it up).
cloud_vm() {
	local PORT_ID PORT_IP PORT_MAC PORT_IFNAME PORT_HOSTN PORT_PLEN PORT_GW vm
	cloud_port_info "$1" && cloud_netns "$1" || return 1
	vm=$(cloud_ns "$1")
	ip link add "$PORT_IFNAME" mtu $CLOUD_MTU netns "$(cloud_ns "host$PORT_HOSTN")" type veth \
		peer name eth0 mtu $CLOUD_MTU address "$PORT_MAC" netns "$vm" &&
	# addrgenmode none: no IPv6 link-local address, so the VM sends no
	# router solicitation or MLD report of its own.
	ip -n "$vm" -b - <<-EOF
		link set lo up
		link set eth0 addrgenmode none
		link set eth0 up
		addr add $PORT_IP/$PORT_PLEN dev eth0
		route add default via $PORT_GW
	EOF
}

# cloud_vm_del NAME: the VM is gone, and its port's device with it.
cloud_vm_del() {
	local vm
	vm=$(cloud_ns "$1")
	ip netns del "$vm" && sed -i "/^$vm\$/d" "$CLOUD_DIR/netns"
}

# cloud_port_del NAME: DELETE the port.
cloud_port_del() {
	local id
	cloud_id id "$1" && cloud_api DELETE "/v1/ports/$id" "$2"
}

# --- traffic ---------------------------------------------------------------

# cloud_ping VM DEST [COUNT]: pings from VM that must all be answered.
cloud_ping() {
	ip netns exec "$(cloud_ns "$1")" ping -q -c "${3:-3}" -i 0.2 -W 3 "$2"
}

# cloud_port_stat VAR NAME COUNTER: a counter of port NAME on its host
# (vpc -s port show: tx_packets is what the host delivered to the VM).
cloud_port_stat() {
	local PORT_ID PORT_IP PORT_MAC PORT_IFNAME PORT_HOSTN PORT_PLEN PORT_GW _ps_out _ps_re
	cloud_port_info "$2" &&
	_ps_out=$(vpc -n "$(cloud_ns "host$PORT_HOSTN")" -j -s port show dev "$PORT_IFNAME") || return 1
	_ps_re="\"$3\":([0-9]+)"
	[[ $_ps_out =~ $_ps_re ]] && printf -v "$1" '%s' "${BASH_REMATCH[1]}"
}

# cloud_capture NAME...: tcpdump on each VM NAME's eth0 into
# $CLOUD_DIR/NAME.pcap, all started at once, until each listens; in this
# shell (check_here), their pids in CAPTURE_PIDS.
CAPTURE_PIDS=()
cloud_capture() {
	local n f
	for n in "$@"; do
		f=$CLOUD_DIR/$n.pcap
		rm -f "$f" "$f.log"
		# --immediate-mode: no frame may wait in a capture block when we stop.
		ip netns exec "$(cloud_ns "$n")" tcpdump --immediate-mode -n -U -i eth0 -w "$f" \
			>/dev/null 2>"$f.log" &
		CAPTURE_PIDS+=($!)
		defer "kill $! 2>/dev/null"
	done
	for n in "$@"; do
		busywait 30000 grep -q listening "$CLOUD_DIR/$n.pcap.log" || return 1
	done
}

# cloud_capture_stop: end every capture (SIGINT flushes it).
cloud_capture_stop() {
	# (A plain wait would wait for the daemons too.)
	[ ${#CAPTURE_PIDS[@]} -gt 0 ] || return 0
	kill -INT "${CAPTURE_PIDS[@]}" 2>/dev/null
	wait "${CAPTURE_PIDS[@]}" 2>/dev/null
	CAPTURE_PIDS=()
}

# cloud_captured NAME...: every frame the captures of NAMEs hold.
cloud_captured() {
	local n
	for n in "$@"; do
		tcpdump -n -r "$CLOUD_DIR/$n.pcap" 2>/dev/null || return 1
	done
}

# --- volumes ---------------------------------------------------------------

# cloud_volume TENANT NAME SIZE: a volume (ids/NAME).
cloud_volume() {
	local id
	cloud_create id "$2" "$1" /v1/volumes "{\"name\":\"$2\",\"size\":$3}"
}

# cloud_attach TENANT NAME HOSTN / cloud_detach TENANT NAME.
cloud_attach() {
	local vol host
	cloud_id vol "$2" && cloud_id host "host$3" &&
	cloud_api POST "/v1/volumes/$vol/attach" "$1" "{\"host\":\"$host\"}"
}

cloud_detach() {
	local vol
	cloud_id vol "$2" && cloud_api POST "/v1/volumes/$vol/detach" "$1"
}

# cloud_volume_unmapped NAME: no device maps volume NAME.
cloud_volume_unmapped() {
	local vol shown
	cloud_id vol "$1" && shown=$(cbs -j show) || return 1
	[[ $shown != *"\"volume\":\"$vol\""* ]] || { echo "$shown"; return 1; }
}

# cloud_volume_dev NAME: print the /dev/cbsN that maps volume NAME (its
# name on the storage server is its id); fails if none does.
cloud_volume_dev() {
	local vol shown re
	cloud_id vol "$1" && shown=$(cbs -j show) || return 1
	re="\"dev\":\"(/dev/cbs[0-9]+)\",\"volume\":\"$vol\""
	[[ $shown =~ $re ]] || { echo "no device maps $vol: $shown"; return 1; }
	echo "${BASH_REMATCH[1]}"
}

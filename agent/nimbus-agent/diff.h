/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reconciling as a pure function: the desired state and the kernel's (and
 * the devices of the host's namespace) in, the list of changes that makes
 * the kernel the desired state out.  Nothing here talks to a kernel or a
 * controller, so all of it is unit-tested (tests/unit/test_agent_diff.c).
 */
#ifndef NIMBUS_AGENT_DIFF_H
#define NIMBUS_AGENT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/nimbus-agent/model.h"

/* A network device of the host's namespace (the links map: ifname -> this). */
struct ag_link {
	uint32_t ifindex;
	bool up;
};

enum ag_op {
	AG_UNDERLAY_SET,	/* plane, ip */
	AG_NET_ADD,		/* vpc (desired) */
	AG_NET_DEL,		/* vni */
	AG_ROUTE_DEL,		/* vni, prefix */
	AG_SUBNET_DEL,
	AG_SUBNET_ADD,
	AG_ROUTE_ADD,
	AG_PORT_DEL,		/* port (the kernel's), ifindex */
	AG_PORT_ADD,		/* port (desired), ifindex */
	AG_PAIR_DISALLOW,	/* port (the kernel's), ifindex, pair */
	AG_PAIR_ALLOW,		/* port (desired), ifindex, pair: add or change its MAC */
	AG_LINK_UP,		/* port (desired), ifindex: set its device up */
	AG_MAP_DEL,		/* map (the kernel's) */
	AG_MAP_SET,		/* map (desired): create or replace */
	/*
	 * QoS, through the QoS library (agent/qos), after every vpc.ko change:
	 * a plane's rate, the classes of ports that are gone, a port's QoS
	 * turned off, set (the directions in qos_dirs; with qos_off_first,
	 * off first: a direction is turned off), a plane's rate lowered.
	 */
	AG_QOS_RATE,		/* qos_rate */
	AG_QOS_GC,
	AG_QOS_PORT_OFF,	/* port (the kernel's) */
	AG_QOS_PORT_SET,	/* port (desired), qos_dirs, qos_off_first */
};

static inline bool ag_op_qos(enum ag_op op)
{
	return op >= AG_QOS_RATE;
}

/*
 * One change.  Pointers are into the two states, valid until either
 * changes: a plan is carried out right after it is made.
 */
struct ag_action {
	enum ag_op op;
	uint32_t vni;
	uint32_t ifindex;
	struct ag_pair pair;
	unsigned int qos_dirs;
	bool qos_off_first;
	union {
		struct {
			unsigned int plane;
			uint32_t ip;
		} underlay;
		struct {
			unsigned int plane;
			uint64_t rate;	/* bytes/s */
		} qos_rate;
		const struct ag_vpc *vpc;
		struct ag_prefix prefix;
		const struct ag_port *port;
		const struct ag_mapping *map;
	};
};

struct ag_plan {
	struct ag_action *a;
	size_t n, cap;
	unsigned int pending;	/* desired ports whose device is not there (yet) */
	size_t n_qos;		/* of which QoS changes (ag_op_qos()) */
};

void ag_plan_init(struct ag_plan *p);
void ag_plan_free(struct ag_plan *p);

/*
 * The changes that make HAVE (the kernel's vpc state) WANT, given the
 * namespace's LINKS (ifname -> struct ag_link), for the keys DIRTY names
 * (or all of them with dirty->all), appended to PLAN in the order the
 * kernel takes them: underlay; per VPC its creation or deletion, route and
 * subnet deletions, subnet and route additions; port deletions, additions,
 * their address pairs (VIPs) disallowed and allowed, and links brought up;
 * mapping deletions and settings; then QoS: plane rates raised, the
 * classes of ports gone collected, ports' QoS turned off, changed without
 * raising a min, changed raising one, plane rates lowered (what frees
 * room before what takes it).  A port's QoS is compared on its own: its
 * change is no port deletion.  What a deleted
 * VPC takes with it (its ports, mappings, subnets, routes) is not deleted
 * one by one.  Objects that are equal give no change: applying the same
 * state twice changes nothing.
 */
void ag_diff(const struct ag_state *want, const struct ag_state *have,
	     const struct hmap *links, const struct ag_dirty *dirty, struct ag_plan *plan);

/*
 * cbs devices.  Several agents may share one kernel (the test VM's hosts)
 * and so cbs.ko's devices; an agent touches only its own, which it knows
 * by their session id: the high 32 bits are its host's tag (a hash of the
 * host's id), the low 32 bits random and not 0.
 */
uint32_t ag_host_tag(const char *host_id);
uint64_t ag_session(uint32_t tag, uint32_t random);
bool ag_session_ours(uint64_t session, uint32_t tag);

/* A cbs device as CBS_CMD_STATUS shows it. */
struct ag_dev {
	uint32_t index;
	char name[AG_ID_LEN];
	uint64_t session, generation;
	uint32_t conns, live;
	bool fenced;
	/* Counters, for the metrics. */
	uint64_t reads, writes, read_bytes, write_bytes, errors, read_ns, write_ns;
};

enum ag_vol_op {
	AG_VOL_MAP,		/* vol: no device of ours maps it */
	AG_VOL_RECONNECT,	/* vol, dev: dev->conns - dev->live connections are dead */
	AG_VOL_REMAP,		/* vol, dev: mapped with an older generation */
	AG_VOL_UNMAP,		/* dev: no longer desired here */
};

struct ag_vol_action {
	enum ag_vol_op op;
	const struct ag_volume *vol;
	const struct ag_dev *dev;
};

/*
 * The changes that make the devices of TAG among DEVS[0..N_DEVS-1] the
 * desired volumes of WANT, into OUT (room for N_DEVS + the number of
 * desired volumes); returns how many.  Devices of other tags are never
 * named.
 */
size_t ag_diff_volumes(const struct ag_state *want, const struct ag_dev *devs, size_t n_devs,
		       uint32_t tag, struct ag_vol_action *out);

#endif /* NIMBUS_AGENT_DIFF_H */

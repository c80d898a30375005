// SPDX-License-Identifier: GPL-2.0
/*
 * vpc.ko's QoS (Documentation/vpc.md, "QoS"): the HTB trees through
 * libnl-route-3, the rates and switches through vpc.ko's family.
 *
 * Every change reads the state afresh under the lock (the underlay, the
 * ports, the classes of every tree), works out what each port wants, checks
 * admission, then makes every tree match: qdisc, root and host classes,
 * one class per port and direction, changed in place where it differs;
 * then it flips the switches, then deletes the classes no port wants.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>

#include "lib/genl.h"
#include "agent/qos/qos.h"

#define QOS_LOCK_DIR	"/run/nimbus"
#define QOS_LOCK	QOS_LOCK_DIR "/qos.lock"

#define QOS_HANDLE(minor)	((VPC_QOS_MAJOR << 16) | (minor))
#define QOS_MINORS		65536
#define QOS_TREES_MAX		(VPC_PLANES + 2)
#define QOS_DIRS		2	/* 0: egress, 1: ingress */

/* The smallest burst and quantum: a full-size frame and some. */
#define QOS_BURST_MIN		3200
#define QOS_QUANTUM_MIN		1600
/*
 * HTB takes a class's buffer as the time it lasts at the class's rate, in
 * u32 scheduler ticks (64 ns): at most about 274 s of the rate.
 */
#define QOS_BURST_SECONDS	200

struct qos_tree {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned int dir;		/* 0 egress, 1 ingress */
	bool underlay;
	uint64_t cap, reserve;		/* as requested now */
	uint64_t old_cap, old_reserve;	/* before this request */
	struct nl_cache *classes;	/* its classes, dumped */
	/*
	 * Our classes (7670:x) in CLASSES by minor; allocated once per slot
	 * and cleared entry by entry, for a batch's thousand loads.
	 */
	struct rtnl_class **minor;
};

struct qos_portent {
	int ifindex;
	uint32_t classid;
	bool on[QOS_DIRS], was[QOS_DIRS];
	struct qos_dir want[QOS_DIRS], had[QOS_DIRS];
};

struct qos_ctx {
	struct nl_sock *rt;
	struct genl_sock gs;
	int lock_fd;
	struct qos_plane planes[VPC_PLANES];
	/*
	 * The devices of the local IPs, looked up once per process (a batch of
	 * a thousand port sets asks once) and again when an IP changes.
	 */
	uint32_t local[VPC_PLANES];
	int local_ifindex[VPC_PLANES];
	struct qos_tree trees[QOS_TREES_MAX];
	unsigned int n_trees;
	bool loaded;			/* the snapshot below is current */
	struct qos_portent *ports;
	size_t n_ports, cap_ports;
};

static int qerr(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int qerr(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static const char *dir_name(unsigned int d)
{
	return d ? "ingress" : "egress";
}

struct qos_ctx *qos_open(char *err, size_t errlen)
{
	struct qos_ctx *ctx = calloc(1, sizeof(*ctx));
	int ret;

	if (!ctx) {
		qerr(err, errlen, -ENOMEM, "out of memory");
		return NULL;
	}
	ctx->lock_fd = -1;
	ret = genl_open(&ctx->gs, VPC_GENL_NAME);
	if (ret) {
		qerr(err, errlen, ret, ret == -ENOENT ?
		     "the vpc module is not loaded (no \"vpc\" netlink family)" :
		     "cannot open the vpc netlink family: %s", strerror(-ret));
		free(ctx);
		return NULL;
	}
	ctx->rt = nl_socket_alloc();
	if (!ctx->rt || nl_connect(ctx->rt, NETLINK_ROUTE) < 0) {
		qerr(err, errlen, -EIO, "cannot open an rtnetlink socket");
		qos_close(ctx);
		return NULL;
	}
	return ctx;
}

/* Forget T's classes (they are gone, or about to be read again). */
static void tree_clear(struct qos_tree *t)
{
	struct nl_object *o;

	if (!t->classes)
		return;
	for (o = nl_cache_get_first(t->classes); o; o = nl_cache_get_next(o))
		t->minor[TC_H_MIN(rtnl_tc_get_handle(TC_CAST(o)))] = NULL;
}

static void trees_free(struct qos_ctx *ctx)
{
	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		tree_clear(&ctx->trees[i]);
		nl_cache_free(ctx->trees[i].classes);
		ctx->trees[i].classes = NULL;
	}
	ctx->n_trees = 0;
}

void qos_forget(struct qos_ctx *ctx)
{
	ctx->loaded = false;
}

void qos_close(struct qos_ctx *ctx)
{
	if (!ctx)
		return;
	trees_free(ctx);
	for (unsigned int i = 0; i < QOS_TREES_MAX; i++)
		free(ctx->trees[i].minor);
	free(ctx->ports);
	if (ctx->rt)
		nl_socket_free(ctx->rt);
	genl_close(&ctx->gs);
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	free(ctx);
}

/* /run/nimbus/qos.lock: vpc and nimbus-agent never change QoS at once. */
static int qos_lock(struct qos_ctx *ctx, char *err, size_t errlen)
{
	if (ctx->lock_fd < 0) {
		mkdir(QOS_LOCK_DIR, 0755);
		ctx->lock_fd = open(QOS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (ctx->lock_fd < 0)
			return qerr(err, errlen, -errno, "cannot open %s: %s",
				    QOS_LOCK, strerror(errno));
	}
	if (flock(ctx->lock_fd, LOCK_EX) < 0)
		return qerr(err, errlen, -errno, "cannot lock %s: %s", QOS_LOCK,
			    strerror(errno));
	return 0;
}

/* A change is over: the next qos_port_get() reads the new state. */
static void qos_unlock(struct qos_ctx *ctx)
{
	flock(ctx->lock_fd, LOCK_UN);
	ctx->loaded = false;
}

static int underlay_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint16_t rate[VPC_PLANES] = { VPC_A_RATE, VPC_A_RATE1 };
	static const uint16_t reserve[VPC_PLANES] = { VPC_A_RESERVE, VPC_A_RESERVE1 };
	static const uint16_t local[VPC_PLANES] = { VPC_A_LOCAL, VPC_A_LOCAL1 };
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct qos_ctx *ctx = data;

	genl_parse(nlh, tb, VPC_A_MAX);
	for (unsigned int p = 0; p < VPC_PLANES; p++) {
		uint32_t ip = tb[local[p]] ? mnl_attr_get_u32(tb[local[p]]) : 0;

		ctx->planes[p].rate = tb[rate[p]] ? mnl_attr_get_u64(tb[rate[p]]) : 0;
		ctx->planes[p].reserve = tb[reserve[p]] ?
					 mnl_attr_get_u64(tb[reserve[p]]) : 0;
		if (ip != ctx->local[p])
			ctx->local_ifindex[p] = -1;	/* look it up again */
		ctx->local[p] = ip;
	}
	return MNL_CB_OK;
}

/* The device of each plane's local IP (0: none holds it). */
static void underlay_devices(struct qos_ctx *ctx)
{
	struct ifaddrs *ifa, *i;
	bool stale = false;

	for (unsigned int p = 0; p < VPC_PLANES; p++) {
		if (ctx->local_ifindex[p] < 0 || (ctx->local[p] && !ctx->local_ifindex[p]))
			stale = true;
		ctx->local_ifindex[p] = ctx->local[p] ? ctx->local_ifindex[p] : 0;
	}
	if (!stale || getifaddrs(&ifa) < 0)
		return;
	for (unsigned int p = 0; p < VPC_PLANES; p++) {
		ctx->local_ifindex[p] = 0;
		for (i = ifa; i && ctx->local[p]; i = i->ifa_next) {
			char name[IF_NAMESIZE + 1];

			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
			    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr != ctx->local[p])
				continue;
			/* "eth0:1", an alias label, is eth0 */
			snprintf(name, sizeof(name), "%s", i->ifa_name);
			name[strcspn(name, ":")] = '\0';
			ctx->local_ifindex[p] = (int)if_nametoindex(name);
			break;
		}
	}
	freeifaddrs(ifa);
}

static struct qos_tree *tree_add(struct qos_ctx *ctx, int ifindex, unsigned int dir,
				 bool underlay)
{
	struct qos_tree *t;

	for (unsigned int i = 0; i < ctx->n_trees; i++)
		if (ctx->trees[i].ifindex == ifindex)
			return &ctx->trees[i];
	t = &ctx->trees[ctx->n_trees++];
	t->ifindex = ifindex;
	t->dir = dir;
	t->underlay = underlay;
	if (!if_indextoname((unsigned int)ifindex, t->name))
		snprintf(t->name, sizeof(t->name), "#%d", ifindex);
	return t;
}

/* Each tree's capacity and reserve from ctx->planes. */
static void trees_size(struct qos_ctx *ctx)
{
	uint64_t total = 0;

	for (unsigned int p = 0; p < VPC_PLANES; p++)
		total = sat_add(total, ctx->planes[p].rate);
	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		struct qos_tree *t = &ctx->trees[i];

		t->cap = t->underlay ? 0 : total;
		t->reserve = 0;
		for (unsigned int p = 0; t->underlay && p < VPC_PLANES; p++) {
			if (ctx->local_ifindex[p] != t->ifindex)
				continue;
			t->cap = sat_add(t->cap, ctx->planes[p].rate);
			t->reserve = sat_add(t->reserve, ctx->planes[p].reserve);
		}
	}
}

static int trees_load(struct qos_ctx *ctx, char *err, size_t errlen)
{
	static const char *const own[QOS_DIRS] = {
		VPC_QOS_LOCAL_IFNAME, VPC_QOS_INGRESS_IFNAME
	};
	struct nl_object *o;

	trees_free(ctx);
	underlay_devices(ctx);
	for (unsigned int p = 0; p < VPC_PLANES; p++)
		if (ctx->local_ifindex[p] > 0)
			tree_add(ctx, ctx->local_ifindex[p], 0, true);
	for (unsigned int d = 0; d < QOS_DIRS; d++) {
		int ifindex = (int)if_nametoindex(own[d]);

		if (ifindex)
			tree_add(ctx, ifindex, d, false);
	}
	trees_size(ctx);
	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		struct qos_tree *t = &ctx->trees[i];
		int ret;

		t->old_cap = t->cap;
		t->old_reserve = t->reserve;
		if (!t->minor)
			t->minor = calloc(QOS_MINORS, sizeof(*t->minor));
		if (!t->minor)
			return qerr(err, errlen, -ENOMEM, "out of memory");
		ret = rtnl_class_alloc_cache(ctx->rt, t->ifindex, &t->classes);
		if (ret < 0)
			return qerr(err, errlen, -EIO, "cannot list the classes of %s: %s",
				    t->name, nl_geterror(ret));
		for (o = nl_cache_get_first(t->classes); o; o = nl_cache_get_next(o)) {
			uint32_t h = rtnl_tc_get_handle(TC_CAST(o));
			const char *kind = rtnl_tc_get_kind(TC_CAST(o));

			if (TC_H_MAJ(h) == QOS_HANDLE(0) && kind && !strcmp(kind, "htb"))
				t->minor[TC_H_MIN(h)] = (struct rtnl_class *)o;
		}
	}
	return 0;
}

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };
	struct qos_ctx *ctx = data;
	struct qos_portent *p;

	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_IFINDEX] || !tb[VPC_A_QOS_CLASS])
		return MNL_CB_OK;
	if (ctx->n_ports == ctx->cap_ports) {
		size_t cap = ctx->cap_ports ? 2 * ctx->cap_ports : 64;
		struct qos_portent *n = realloc(ctx->ports, cap * sizeof(*n));

		if (!n)
			return MNL_CB_ERROR;
		ctx->ports = n;
		ctx->cap_ports = cap;
	}
	p = &ctx->ports[ctx->n_ports++];
	memset(p, 0, sizeof(*p));
	p->ifindex = (int)mnl_attr_get_u32(tb[VPC_A_IFINDEX]);
	p->classid = mnl_attr_get_u32(tb[VPC_A_QOS_CLASS]);
	p->on[0] = tb[VPC_A_QOS_EGRESS] && mnl_attr_get_u8(tb[VPC_A_QOS_EGRESS]);
	p->on[1] = tb[VPC_A_QOS_INGRESS] && mnl_attr_get_u8(tb[VPC_A_QOS_INGRESS]);
	return MNL_CB_OK;
}

static uint32_t default_burst(uint64_t rate)
{
	uint64_t b = rate / 1000;	/* 1 ms of the rate */

	return b < QOS_BURST_MIN ? QOS_BURST_MIN : b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

/* The burst of RATE asked for (0: the default), within HTB's limit. */
static uint32_t class_burst(uint64_t rate, uint32_t burst)
{
	uint64_t max = rate > UINT32_MAX / QOS_BURST_SECONDS ? UINT32_MAX :
		       rate * QOS_BURST_SECONDS;

	if (!burst)
		burst = default_burst(rate);
	return burst > max ? (uint32_t)max : burst;
}

/* Rounding through scheduler ticks moves a buffer by a little. */
static bool burst_same(uint32_t a, uint32_t b)
{
	uint32_t d = a > b ? a - b : b - a;

	return d <= (a > b ? a : b) / 64 + 2;
}

/* A port's direction as its class in T has it. */
static void class_read(const struct qos_tree *t, struct rtnl_class *cl,
		       struct qos_dir *dir)
{
	uint64_t rate = 0, ceil = 0;
	uint32_t cburst = rtnl_htb_get_cbuffer(cl);

	rtnl_htb_get_rate64(cl, &rate);
	rtnl_htb_get_ceil64(cl, &ceil);
	dir->min = rate > 1 ? rate : 0;
	dir->max = ceil >= t->cap ? 0 : ceil;
	dir->burst = burst_same(cburst, class_burst(ceil, 0)) ? 0 : cburst;
}

/*
 * The tree of direction D with the largest capacity that has the class of
 * minor MINOR: where a max below a plane's rate but not below the sum of
 * the planes' (vpc-local's capacity) still reads as that max.
 */
static const struct qos_tree *tree_of_class(const struct qos_ctx *ctx, unsigned int d,
					    uint32_t minor)
{
	const struct qos_tree *best = NULL;

	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		const struct qos_tree *t = &ctx->trees[i];

		if (t->dir == d && t->cap && t->minor[minor] && (!best || t->cap > best->cap))
			best = t;
	}
	return best;
}

/* Whether direction D has a tree with a capacity. */
static bool tree_of_dir(const struct qos_ctx *ctx, unsigned int d)
{
	for (unsigned int i = 0; i < ctx->n_trees; i++)
		if (ctx->trees[i].dir == d && ctx->trees[i].cap)
			return true;
	return false;
}

/* The snapshot: the underlay, the trees and their classes, the ports. */
static int qos_load(struct qos_ctx *ctx, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = genl_msg(&ctx->gs, buf, VPC_CMD_UNDERLAY_GET, NLM_F_REQUEST | NLM_F_ACK);
	ret = genl_talk(&ctx->gs, nlh, underlay_cb, ctx);
	if (ret)
		return qerr(err, errlen, ret, "cannot read the underlay: %s", strerror(-ret));
	ret = trees_load(ctx, err, errlen);
	if (ret)
		return ret;
	ctx->n_ports = 0;
	nlh = genl_msg(&ctx->gs, buf, VPC_CMD_PORT_GET, NLM_F_REQUEST | NLM_F_DUMP);
	ret = genl_talk(&ctx->gs, nlh, ports_cb, ctx);
	if (ret)
		return qerr(err, errlen, ret, "cannot list the ports: %s", strerror(-ret));
	for (size_t i = 0; i < ctx->n_ports; i++) {
		struct qos_portent *p = &ctx->ports[i];
		uint32_t minor = TC_H_MIN(p->classid);

		for (unsigned int d = 0; d < QOS_DIRS; d++) {
			const struct qos_tree *t = tree_of_class(ctx, d, minor);

			/* A direction on without a class gets min 0, max the capacity. */
			if (p->on[d] && t)
				class_read(t, t->minor[minor], &p->want[d]);
			p->was[d] = p->on[d];
			p->had[d] = p->want[d];
		}
	}
	ctx->loaded = true;
	return 0;
}

/* The ports' min in T's direction and the host's reserve: what T must give. */
static uint64_t tree_need(const struct qos_ctx *ctx, const struct qos_tree *t, bool old)
{
	uint64_t need = t->underlay ? (old ? t->old_reserve : t->reserve) : 0;

	for (size_t i = 0; i < ctx->n_ports; i++) {
		const struct qos_portent *p = &ctx->ports[i];

		if (old ? p->was[t->dir] : p->on[t->dir])
			need = sat_add(need, old ? p->had[t->dir].min : p->want[t->dir].min);
	}
	return need;
}

/*
 * Admission control: refused when a tree would promise more than its
 * capacity, unless it promised as much too much before (turning a port off
 * or lowering a min is always allowed).
 */
static int admission(const struct qos_ctx *ctx, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		const struct qos_tree *t = &ctx->trees[i];
		uint64_t need = tree_need(ctx, t, false), old = tree_need(ctx, t, true);
		char a[32], b[32], c[32];

		if (need <= t->cap || (old > t->old_cap && need - t->cap <= old - t->old_cap))
			continue;
		if (!t->cap)
			continue;	/* no tree there: nothing is promised */
		return qerr(err, errlen, -ENOSPC,
			    "refused: on %s the ports' %s min (%s)%s%s would exceed the rate %s",
			    t->name, dir_name(t->dir),
			    qos_fmt_rate(need - (t->underlay ? t->reserve : 0), a, sizeof(a)),
			    t->underlay && t->reserve ? " plus the host reserve " : "",
			    t->underlay && t->reserve ? qos_fmt_rate(t->reserve, b, sizeof(b)) : "",
			    qos_fmt_rate(t->cap, c, sizeof(c)));
	}
	return 0;
}

static int class_put(struct qos_ctx *ctx, const struct qos_tree *t, uint32_t minor,
		     uint64_t rate, uint64_t ceil, uint32_t burst, uint64_t quantum,
		     char *err, size_t errlen)
{
	struct rtnl_class *old = t->minor[minor], *cl;
	uint32_t rbuf = class_burst(rate, burst), cbuf = class_burst(ceil, burst);
	uint64_t orate = 0, oceil = 0;
	int ret;

	if (ceil < rate)
		ceil = rate;
	if (old) {
		rtnl_htb_get_rate64(old, &orate);
		rtnl_htb_get_ceil64(old, &oceil);
		if (orate == rate && oceil == ceil &&
		    burst_same(rtnl_htb_get_rbuffer(old), rbuf) &&
		    burst_same(rtnl_htb_get_cbuffer(old), cbuf))
			return 0;
	}
	cl = rtnl_class_alloc();
	if (!cl)
		return qerr(err, errlen, -ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(cl), t->ifindex);
	rtnl_tc_set_handle(TC_CAST(cl), QOS_HANDLE(minor));
	rtnl_tc_set_parent(TC_CAST(cl), minor == VPC_QOS_ROOT_MINOR ? QOS_HANDLE(0) :
				       QOS_HANDLE(VPC_QOS_ROOT_MINOR));
	ret = rtnl_tc_set_kind(TC_CAST(cl), "htb");
	if (!ret)
		ret = rtnl_htb_set_rate64(cl, rate);
	if (!ret)
		ret = rtnl_htb_set_ceil64(cl, ceil);
	if (!ret)
		ret = rtnl_htb_set_rbuffer(cl, rbuf);
	if (!ret)
		ret = rtnl_htb_set_cbuffer(cl, cbuf);
	/*
	 * Given, so that HTB never computes it from r2q (and warns when that
	 * is out of range), and in proportion to min: ports borrow in that
	 * proportion.
	 */
	if (!ret)
		ret = rtnl_htb_set_quantum(cl, (uint32_t)(quantum < QOS_QUANTUM_MIN ?
			QOS_QUANTUM_MIN : quantum > INT32_MAX ? INT32_MAX : quantum));
	/* In place when it exists: HTB keeps the class's queue. */
	if (!ret)
		ret = rtnl_class_add(ctx->rt, cl, old ? NLM_F_REPLACE :
				     NLM_F_CREATE | NLM_F_EXCL);
	rtnl_class_put(cl);
	if (ret < 0)
		return qerr(err, errlen, -EIO, "cannot %s class %x:%x on %s: %s",
			    old ? "change" : "add", VPC_QOS_MAJOR, minor, t->name,
			    nl_geterror(ret));
	return 0;
}

static int class_del(struct qos_ctx *ctx, const struct qos_tree *t, uint32_t minor,
		     char *err, size_t errlen)
{
	int ret = rtnl_class_delete(ctx->rt, t->minor[minor]);

	if (ret < 0)
		return qerr(err, errlen, -EIO, "cannot delete class %x:%x on %s: %s",
			    VPC_QOS_MAJOR, minor, t->name, nl_geterror(ret));
	return 0;
}

static int qdisc_change(struct qos_ctx *ctx, int ifindex, const char *name, bool add,
			char *err, size_t errlen)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int ret;

	if (!q)
		return qerr(err, errlen, -ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), QOS_HANDLE(0));
	ret = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!ret)
		ret = rtnl_htb_set_defcls(q, VPC_QOS_HOST_MINOR);
	if (!ret)
		ret = add ? rtnl_qdisc_add(ctx->rt, q, NLM_F_CREATE | NLM_F_REPLACE) :
		      rtnl_qdisc_delete(ctx->rt, q);
	rtnl_qdisc_put(q);
	if (ret < 0)
		return qerr(err, errlen, -EIO, "cannot %s the HTB qdisc of %s: %s",
			    add ? "add" : "delete", name, nl_geterror(ret));
	return 0;
}

/* The class a port's direction wants in T. */
static int port_class_put(struct qos_ctx *ctx, const struct qos_tree *t,
			  const struct qos_portent *p, char *err, size_t errlen)
{
	const struct qos_dir *w = &p->want[t->dir];
	uint64_t rate = w->min ? w->min : 1;
	uint64_t ceil = w->max && w->max < t->cap ? w->max : t->cap;

	return class_put(ctx, t, TC_H_MIN(p->classid), rate, ceil, w->burst,
			 rate / 100, err, errlen);
}

/* Make every tree hold what the ports want (creating, never deleting). */
static int trees_apply(struct qos_ctx *ctx, char *err, size_t errlen)
{
	int ret;

	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		struct qos_tree *t = &ctx->trees[i];
		uint64_t host = t->underlay && t->reserve ? t->reserve : 1;

		if (!t->cap) {
			/* No rate for it any more: the tree goes. */
			if (t->minor[VPC_QOS_ROOT_MINOR]) {
				ret = qdisc_change(ctx, t->ifindex, t->name, false, err, errlen);
				if (ret)
					return ret;
				tree_clear(t);
			}
			continue;
		}
		if (!t->minor[VPC_QOS_ROOT_MINOR]) {
			ret = qdisc_change(ctx, t->ifindex, t->name, true, err, errlen);
			if (ret)
				return ret;
			/* A replaced qdisc took its classes along. */
			tree_clear(t);
		}
		ret = class_put(ctx, t, VPC_QOS_ROOT_MINOR, t->cap, t->cap, 0, 0, err, errlen);
		if (!ret)
			ret = class_put(ctx, t, VPC_QOS_HOST_MINOR, host, t->cap, 0,
					host / 100, err, errlen);
		for (size_t j = 0; !ret && j < ctx->n_ports; j++)
			if (ctx->ports[j].on[t->dir])
				ret = port_class_put(ctx, t, &ctx->ports[j], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Delete the port classes no port with that direction on has. */
static int trees_gc(struct qos_ctx *ctx, char *err, size_t errlen)
{
	uint8_t *want = calloc(QOS_DIRS, QOS_MINORS);
	int ret = 0;

	if (!want)
		return qerr(err, errlen, -ENOMEM, "out of memory");
	for (size_t j = 0; j < ctx->n_ports; j++)
		for (unsigned int d = 0; d < QOS_DIRS; d++)
			if (ctx->ports[j].on[d])
				want[d * QOS_MINORS + TC_H_MIN(ctx->ports[j].classid)] = 1;
	for (unsigned int i = 0; !ret && i < ctx->n_trees; i++) {
		const struct qos_tree *t = &ctx->trees[i];
		struct nl_object *o;

		for (o = nl_cache_get_first(t->classes); !ret && o; o = nl_cache_get_next(o)) {
			uint32_t m = TC_H_MIN(rtnl_tc_get_handle(TC_CAST(o)));

			if (m >= VPC_QOS_PORT_MINOR_MIN && t->minor[m] == (void *)o &&
			    !want[t->dir * QOS_MINORS + m])
				ret = class_del(ctx, t, m, err, errlen);
		}
	}
	free(want);
	return ret;
}

/* Delete our trees left on devices that are no underlay any more. */
static int trees_sweep(struct qos_ctx *ctx, char *err, size_t errlen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	int ret = rtnl_qdisc_alloc_cache(ctx->rt, &cache);

	if (ret < 0)
		return qerr(err, errlen, -EIO, "cannot list the qdiscs: %s", nl_geterror(ret));
	ret = 0;
	for (o = nl_cache_get_first(cache); !ret && o; o = nl_cache_get_next(o)) {
		int ifindex = rtnl_tc_get_ifindex(TC_CAST(o));
		char name[IF_NAMESIZE];
		bool ours = false;

		if (rtnl_tc_get_handle(TC_CAST(o)) != QOS_HANDLE(0) ||
		    rtnl_tc_get_parent(TC_CAST(o)) != TC_H_ROOT)
			continue;
		for (unsigned int i = 0; i < ctx->n_trees; i++)
			ours |= ctx->trees[i].ifindex == ifindex;
		if (ours)
			continue;
		if (!if_indextoname((unsigned int)ifindex, name))
			snprintf(name, sizeof(name), "#%d", ifindex);
		ret = qdisc_change(ctx, ifindex, name, false, err, errlen);
	}
	nl_cache_free(cache);
	return ret;
}

/* Flip port P's switches in vpc.ko where they changed. */
static int port_switch(struct qos_ctx *ctx, const struct qos_portent *p,
		       char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	if (p->on[0] == p->was[0] && p->on[1] == p->was[1])
		return 0;
	nlh = genl_msg(&ctx->gs, buf, VPC_CMD_PORT_SET, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_u32(nlh, VPC_A_IFINDEX, (uint32_t)p->ifindex);
	mnl_attr_put_u8(nlh, VPC_A_QOS_EGRESS, p->on[0]);
	mnl_attr_put_u8(nlh, VPC_A_QOS_INGRESS, p->on[1]);
	ret = genl_talk(&ctx->gs, nlh, NULL, NULL);
	if (ret)
		return qerr(err, errlen, ret, "cannot switch the port's QoS: %s%s%s",
			    strerror(-ret), ctx->gs.extack[0] ? ": " : "", ctx->gs.extack);
	return 0;
}

/*
 * After admission: classes first, then the switches of port P (if any),
 * then the classes no port wants; SWEEP also removes trees left behind.
 */
static int qos_commit(struct qos_ctx *ctx, const struct qos_portent *p, bool sweep,
		      char *err, size_t errlen)
{
	int ret = trees_apply(ctx, err, errlen);

	if (!ret && p)
		ret = port_switch(ctx, p, err, errlen);
	if (!ret)
		ret = trees_gc(ctx, err, errlen);
	if (!ret && sweep)
		ret = trees_sweep(ctx, err, errlen);
	return ret;
}

int qos_underlay_set(struct qos_ctx *ctx, unsigned int plane,
		     const uint64_t *rate, const uint64_t *reserve,
		     char *err, size_t errlen)
{
	static const uint16_t rate_attr[VPC_PLANES] = { VPC_A_RATE, VPC_A_RATE1 };
	static const uint16_t reserve_attr[VPC_PLANES] = { VPC_A_RESERVE, VPC_A_RESERVE1 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	if (plane > VPC_PLANE_MAX)
		return qerr(err, errlen, -EINVAL, "plane must be 0 or 1");
	ret = qos_lock(ctx, err, errlen);
	if (ret)
		return ret;
	ret = qos_load(ctx, err, errlen);
	if (ret || (!rate && !reserve))
		goto commit;
	if (rate)
		ctx->planes[plane].rate = *rate;
	if (reserve)
		ctx->planes[plane].reserve = *reserve;
	trees_size(ctx);
	ret = admission(ctx, err, errlen);
	if (ret)
		goto out;
	nlh = genl_msg(&ctx->gs, buf, VPC_CMD_UNDERLAY_SET, NLM_F_REQUEST | NLM_F_ACK);
	if (rate)
		mnl_attr_put_u64(nlh, rate_attr[plane], *rate);
	if (reserve)
		mnl_attr_put_u64(nlh, reserve_attr[plane], *reserve);
	ret = genl_talk(&ctx->gs, nlh, NULL, NULL);
	if (ret) {
		qerr(err, errlen, ret, "cannot set the underlay: %s%s%s", strerror(-ret),
		     ctx->gs.extack[0] ? ": " : "", ctx->gs.extack);
		goto out;
	}
	/*
	 * vpc.ko made vpc-local and vpc-ingress with the first rate: the trees
	 * again, the ports' wants as they were read.
	 */
	ret = trees_load(ctx, err, errlen);
commit:
	if (!ret)
		ret = qos_commit(ctx, NULL, true, err, errlen);
out:
	qos_unlock(ctx);
	return ret;
}

int qos_underlay_get(struct qos_ctx *ctx, struct qos_plane planes[VPC_PLANES],
		     char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = genl_msg(&ctx->gs, buf, VPC_CMD_UNDERLAY_GET, NLM_F_REQUEST | NLM_F_ACK);
	ret = genl_talk(&ctx->gs, nlh, underlay_cb, ctx);
	if (ret)
		return qerr(err, errlen, ret, "cannot read the underlay: %s", strerror(-ret));
	memcpy(planes, ctx->planes, sizeof(ctx->planes));
	return 0;
}

static struct qos_portent *port_find(struct qos_ctx *ctx, int ifindex, uint32_t classid)
{
	for (size_t i = 0; i < ctx->n_ports; i++)
		if (ifindex ? ctx->ports[i].ifindex == ifindex :
		    ctx->ports[i].classid == classid)
			return &ctx->ports[i];
	return NULL;
}

/* Port IFNAME's switches to ON (for the directions in DIRS) and its wants. */
static int port_change(struct qos_ctx *ctx, const char *ifname, unsigned int dirs,
		       bool on, const struct qos_dir *want[QOS_DIRS],
		       char *err, size_t errlen)
{
	int ifindex = (int)if_nametoindex(ifname);
	struct qos_portent *p;
	int ret;

	if (!ifindex)
		return qerr(err, errlen, -ENODEV, "no such device \"%s\"", ifname);
	for (unsigned int d = 0; on && d < QOS_DIRS; d++) {
		if (!(dirs & (1u << d)))
			continue;
		if (want[d]->max && want[d]->min > want[d]->max)
			return qerr(err, errlen, -EINVAL, "%s min is above max", dir_name(d));
	}
	ret = qos_lock(ctx, err, errlen);
	if (ret)
		return ret;
	ret = qos_load(ctx, err, errlen);
	if (ret)
		goto out;
	p = port_find(ctx, ifindex, 0);
	if (!p) {
		ret = qerr(err, errlen, -ENOENT, "%s is not a port of vpc.ko", ifname);
		goto out;
	}
	if (TC_H_MAJ(p->classid) != QOS_HANDLE(0) ||
	    TC_H_MIN(p->classid) < VPC_QOS_PORT_MINOR_MIN ||
	    TC_H_MIN(p->classid) > VPC_QOS_PORT_MINOR_MAX) {
		ret = qerr(err, errlen, -EPROTO, "vpc.ko gave %s no QoS class", ifname);
		goto out;
	}
	for (unsigned int d = 0; d < QOS_DIRS; d++) {
		if (!(dirs & (1u << d)))
			continue;
		if (on && !tree_of_dir(ctx, d)) {
			ret = qerr(err, errlen, -ENOENT,
				   "no %s tree: set a plane's rate first (vpc underlay set rate RATE)",
				   dir_name(d));
			goto out;
		}
		p->on[d] = on;
		p->want[d] = on ? *want[d] : (struct qos_dir){ 0 };
	}
	ret = admission(ctx, err, errlen);
	if (!ret)
		ret = qos_commit(ctx, p, false, err, errlen);
out:
	qos_unlock(ctx);
	return ret;
}

int qos_port_set(struct qos_ctx *ctx, const char *ifname, unsigned int dirs,
		 const struct qos_dir *egress, const struct qos_dir *ingress,
		 char *err, size_t errlen)
{
	const struct qos_dir *want[QOS_DIRS] = { egress, ingress };

	if (!dirs || dirs & ~(QOS_EGRESS | QOS_INGRESS) ||
	    ((dirs & QOS_EGRESS) && !egress) || ((dirs & QOS_INGRESS) && !ingress))
		return qerr(err, errlen, -EINVAL, "no direction to set");
	return port_change(ctx, ifname, dirs, true, want, err, errlen);
}

int qos_port_off(struct qos_ctx *ctx, const char *ifname, char *err, size_t errlen)
{
	const struct qos_dir *want[QOS_DIRS] = { NULL, NULL };

	return port_change(ctx, ifname, QOS_EGRESS | QOS_INGRESS, false, want, err, errlen);
}

/* A direction's counters, summed over the trees it is in. */
static void port_stats(const struct qos_ctx *ctx, unsigned int d, uint32_t minor,
		       struct qos_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < ctx->n_trees; i++) {
		const struct qos_tree *t = &ctx->trees[i];
		struct rtnl_tc *tc = TC_CAST(t->minor[minor]);

		if (t->dir != d || !t->minor[minor])
			continue;
		st->bytes += rtnl_tc_get_stat(tc, RTNL_TC_BYTES);
		st->packets += rtnl_tc_get_stat(tc, RTNL_TC_PACKETS);
		st->drops += rtnl_tc_get_stat(tc, RTNL_TC_DROPS);
		st->overlimits += rtnl_tc_get_stat(tc, RTNL_TC_OVERLIMITS);
	}
}

int qos_port_get(struct qos_ctx *ctx, uint32_t classid, struct qos_port *port,
		 struct qos_stats *egress, struct qos_stats *ingress,
		 char *err, size_t errlen)
{
	const struct qos_portent *p;

	if (!ctx->loaded) {
		int ret = qos_load(ctx, err, errlen);

		if (ret)
			return ret;
	}
	p = port_find(ctx, 0, classid);
	if (!p)
		return qerr(err, errlen, -ENOENT, "no port has class %x:%x",
			    TC_H_MAJ(classid) >> 16, TC_H_MIN(classid));
	port->classid = classid;
	port->egress_on = p->on[0];
	port->ingress_on = p->on[1];
	port->egress = p->want[0];
	port->ingress = p->want[1];
	if (egress)
		port_stats(ctx, 0, TC_H_MIN(classid), egress);
	if (ingress)
		port_stats(ctx, 1, TC_H_MIN(classid), ingress);
	return 0;
}

int qos_gc(struct qos_ctx *ctx, char *err, size_t errlen)
{
	int ret = qos_lock(ctx, err, errlen);

	if (ret)
		return ret;
	ret = qos_load(ctx, err, errlen);
	if (!ret)
		ret = qos_commit(ctx, NULL, true, err, errlen);
	qos_unlock(ctx);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vpc.ko's news, as opposed to its changes: a miss (a VM sent to an
 * address of its subnet that is neither a port nor a mapping) fetches
 * that one mapping from the controller and sets it, so a host can run
 * without every mapping of a large VPC; a claim (a VM announced a VIP its
 * port is allowed) is reported to the controller, which moves the VIP's
 * mapping on every other host.
 */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <linux/genetlink.h>
#include <linux/vpc.h>

#include "lib/log.h"
#include "agent/nimbus-agent/agent.h"

/* A destination's mapping is fetched at most once in this time. */
#define MISS_FETCH_MS		1000
/* Past this many remembered destinations, the ones older than that are forgotten. */
#define MISS_REMEMBER_MAX	4096

/* What a miss or claim says: the VPC, the address, and for a claim the port. */
struct notice {
	uint32_t vni;
	struct nb_addr ip;
	const char *ifname;
};

static int notice_parse(const struct nlmsghdr *nlh, struct notice *n)
{
	const struct nlattr *tb[VPC_A_MAX + 1] = { 0 };

	memset(n, 0, sizeof(*n));
	genl_parse(nlh, tb, VPC_A_MAX);
	if (!tb[VPC_A_NET_ID])
		return -1;
	n->vni = mnl_attr_get_u32(tb[VPC_A_NET_ID]);
	if (tb[VPC_A_IP] && mnl_attr_get_payload_len(tb[VPC_A_IP]) == 4) {
		n->ip.family = AF_INET;
		memcpy(n->ip.b, mnl_attr_get_payload(tb[VPC_A_IP]), 4);
	} else if (tb[VPC_A_IP6] && mnl_attr_get_payload_len(tb[VPC_A_IP6]) == 16) {
		n->ip.family = AF_INET6;
		memcpy(n->ip.b, mnl_attr_get_payload(tb[VPC_A_IP6]), 16);
	} else {
		return -1;
	}
	if (tb[VPC_A_IFNAME])
		n->ifname = mnl_attr_get_str(tb[VPC_A_IFNAME]);
	return 0;
}

/* The controller's id of VPC VNI (the desired state has it), or NULL. */
static const char *vpc_id(struct agent *a, uint32_t vni)
{
	char key[AG_KEY_LEN];
	const struct ag_vpc *v = hmap_get(&a->want.vpcs, ag_vpc_key(vni, key));

	return v ? v->id : NULL;
}

/* Forget the destinations fetched long enough ago, when there are many. */
static void miss_forget_old(struct agent *a, uint64_t now)
{
	char key[AG_KEY_LEN];

	if (a->miss_fetched.n < MISS_REMEMBER_MAX)
		return;
	hmap_foreach(&a->miss_fetched, i) {
		if ((uint64_t)(uintptr_t)a->miss_fetched.e[i].val + MISS_FETCH_MS > now)
			continue;
		snprintf(key, sizeof(key), "%s", a->miss_fetched.e[i].key);
		hmap_del(&a->miss_fetched, key);
	}
}

static void on_miss(struct agent *a, const struct notice *n)
{
	uint64_t now = ag_now_ms();
	char key[AG_KEY_LEN], ip[NB_ADDR_STRLEN];
	const char *vpc = vpc_id(a, n->vni);
	void *last;

	a->misses++;
	ag_map_key(n->vni, &n->ip, key);
	last = hmap_get(&a->miss_fetched, key);
	/* vpc.ko says it once a second per port: several ports, or a VM scanning, more. */
	if (!vpc || (last && (uint64_t)(uintptr_t)last + MISS_FETCH_MS > now))
		return;
	miss_forget_old(a, now);
	hmap_put(&a->miss_fetched, key, (void *)(uintptr_t)now);
	a->miss_fetches++;
	http_get_mapping(a, vpc, n->vni, nb_addr_fmt(&n->ip, ip, sizeof(ip)));
}

void notify_mapping_fetched(struct agent *a, uint32_t vni, const char *ip, long status,
			    const char *body, size_t len)
{
	struct ag_mapping m;
	char key[AG_KEY_LEN], err[256];
	json_error_t jerr;
	json_t *doc;

	if (status == 404)
		return;		/* no such port (any more): nothing to set */
	if (status != 200) {
		nb_log("controller: cannot fetch the mapping %u/%s: HTTP %ld %s", vni, ip, status,
		       body ? body : "");
		return;
	}
	doc = json_loadb(body ? body : "", len, 0, &jerr);
	if (!doc || ag_parse_map(doc, &m, err, sizeof(err)) || m.vni != vni) {
		nb_log("controller: a bad mapping for %u/%s: %s", vni, ip,
		       doc ? err : jerr.text);
		json_decref(doc);
		return;
	}
	json_decref(doc);
	a->miss_found++;
	/*
	 * Desired from now on, so a reconcile keeps it; and not trusted to be
	 * in the kernel, which just said it is not (deleted by hand, say).
	 */
	ag_map_key(vni, &m.ip, key);
	ag_put_map(&a->want, &m);
	ag_del(&a->have.maps, key);
	hmap_put(&a->dirty.maps, key, (void *)1);
}

/*
 * A VIP's latest claim, kept until the controller took it (or refused it):
 * a report that did not reach the controller is sent again, with a backoff,
 * unless a newer claim of the VIP replaced it.
 */
struct claim {
	char vpc[AG_ID_LEN];
	char ip[NB_ADDR_STRLEN];
	char ifname[IF_NAMESIZE];
	uint64_t seq;		/* of the report in flight or to send */
	uint64_t backoff;	/* ms; 0 before the first failure */
	uint64_t at;		/* when to send it again; 0: in flight */
};

static void claim_post(struct agent *a, struct claim *c)
{
	c->at = 0;
	a->claim_reports++;
	http_post_claim(a, c->vpc, c->ip, c->ifname, c->seq);
}

static void on_claim(struct agent *a, const struct notice *n)
{
	const char *vpc = vpc_id(a, n->vni);
	char key[AG_ID_LEN + NB_ADDR_STRLEN + 1], ip[NB_ADDR_STRLEN];
	struct claim *c;

	a->claims++;
	nb_addr_fmt(&n->ip, ip, sizeof(ip));
	if (!vpc || !n->ifname) {
		nb_log("a claim of %u/%s by %s in a VPC the controller did not give: ignored",
		       n->vni, ip, n->ifname ? n->ifname : "?");
		return;
	}
	snprintf(key, sizeof(key), "%s/%s", vpc, ip);
	c = hmap_get(&a->claims_unreported, key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			abort();
		hmap_put(&a->claims_unreported, key, c);
	}
	/* The latest claim is the truth: it replaces one not yet reported. */
	snprintf(c->vpc, sizeof(c->vpc), "%s", vpc);
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	snprintf(c->ifname, sizeof(c->ifname), "%s", n->ifname);
	c->seq = ++a->claim_seq;
	c->backoff = 0;
	claim_post(a, c);
}

void notify_claim_done(struct agent *a, const char *key, uint64_t seq, long status,
		       const char *text)
{
	struct claim *c = hmap_get(&a->claims_unreported, key);

	if (!c || c->seq != seq)
		return;		/* a newer claim of the VIP replaced this one */
	if (status == 200 || (status >= 400 && status < 500)) {
		if (status == 200) {
			nb_log("claim of %s by %s: reported", key, c->ifname);
		} else {
			a->claim_refused++;
			nb_log("controller: the claim of %s by %s is refused: HTTP %ld %s", key,
			       c->ifname, status, text);
		}
		free(hmap_del(&a->claims_unreported, key));
		return;
	}
	c->backoff = c->backoff ? 2 * c->backoff : AG_BACKOFF_MIN_MS;
	if (c->backoff > AG_BACKOFF_MAX_MS)
		c->backoff = AG_BACKOFF_MAX_MS;
	c->at = ag_now_ms() + c->backoff;
	if (status)
		nb_log("controller: the claim of %s by %s: HTTP %ld %s; sent again in %llu ms",
		       key, c->ifname, status, text, (unsigned long long)c->backoff);
	else
		nb_log("controller: the claim of %s by %s: %s; sent again in %llu ms", key,
		       c->ifname, text, (unsigned long long)c->backoff);
}

void notify_timers(struct agent *a, uint64_t now)
{
	hmap_foreach(&a->claims_unreported, i) {
		struct claim *c = a->claims_unreported.e[i].val;

		if (c->at && now >= c->at)
			claim_post(a, c);
	}
}

uint64_t notify_deadline(struct agent *a)
{
	uint64_t next = 0;

	hmap_foreach(&a->claims_unreported, i) {
		const struct claim *c = a->claims_unreported.e[i].val;

		if (c->at && (!next || c->at < next))
			next = c->at;
	}
	return next;
}

void notify_vpc(struct agent *a, const struct nlmsghdr *nlh, uint8_t cmd)
{
	static bool seen[256];
	struct notice n;

	if ((cmd == VPC_CMD_MISS || cmd == VPC_CMD_CLAIM) && notice_parse(nlh, &n)) {
		nb_log("vpc.ko notification %u without a VPC or an address: ignored", cmd);
		return;
	}
	if (cmd == VPC_CMD_MISS) {
		on_miss(a, &n);
	} else if (cmd == VPC_CMD_CLAIM) {
		on_claim(a, &n);
	} else if (!seen[cmd]) {
		seen[cmd] = true;
		nb_log("vpc.ko notification %u: not known to this agent, ignored", cmd);
	}
}

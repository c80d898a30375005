// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink: the prefix tables of a VPC, subnets (prefix, gateway) and user
 * routes (prefix, next hop).  Both have the same shape, so one set of
 * handlers serves both, told apart by a descriptor.
 */
#include <linux/inetdevice.h>

#include "netlink.h"
#include "pernet.h"
#include "route.h"
#include "subnet.h"
#include "vnet.h"

struct vpc_nl_ptable {
	u8 new_cmd;
	u8 del_cmd;
	u8 get_cmd;
	int addr_attr;		/* VPC_A_GW or VPC_A_VIA */
	int (*add)(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack);
	int (*del)(struct vpc_pernet *pn, struct vpc_net *vnet,
		   const struct vpc_prefix *p, struct netlink_ext_ack *extack);
	const struct vpc_ptable *(*table)(struct vpc_pernet *pn,
					  const struct vpc_net *vnet);
};

static const struct vpc_nl_ptable vpc_nl_subnets = {
	.new_cmd = VPC_CMD_SUBNET_NEW,
	.del_cmd = VPC_CMD_SUBNET_DEL,
	.get_cmd = VPC_CMD_SUBNET_GET,
	.addr_attr = VPC_A_GW,
	.add = vpc_subnet_add,
	.del = vpc_subnet_del,
	.table = vpc_subnets,
};

static const struct vpc_nl_ptable vpc_nl_routes = {
	.new_cmd = VPC_CMD_ROUTE_NEW,
	.del_cmd = VPC_CMD_ROUTE_DEL,
	.get_cmd = VPC_CMD_ROUTE_GET,
	.addr_attr = VPC_A_VIA,
	.add = vpc_route_add,
	.del = vpc_route_del,
	.table = vpc_routes,
};

/* Put the address nest ATTR: P's prefix, or with HOST its address. */
static int vpc_nl_put_addr(struct sk_buff *skb, int attr,
			   const struct vpc_prefix *p, bool host)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	int ret;

	if (!nest)
		return -EMSGSIZE;
	if (p->v6)
		ret = nla_put_in6_addr(skb, VPC_ADDR_A_IP6,
				       host ? &p->addr6 : &p->ip6) ||
		      nla_put_u8(skb, VPC_ADDR_A_PLEN, host ? 128 : p->plen);
	else
		ret = nla_put_in_addr(skb, VPC_ADDR_A_IP4, host ? p->addr : p->ip) ||
		      nla_put_u8(skb, VPC_ADDR_A_PLEN, host ? 32 : p->plen);
	if (ret)
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* What one message says: the entry P of table D in VPC. */
struct vpc_nl_prefix_msg {
	const struct vpc_nl_ptable *d;
	u32 vpc;
	const struct vpc_prefix *p;
};

static int vpc_prefix_put(struct sk_buff *skb, struct vpc_pernet *pn,
			  const void *obj)
{
	const struct vpc_nl_prefix_msg *m = obj;

	if (nla_put_u32(skb, VPC_A_NET_ID, m->vpc) ||
	    vpc_nl_put_addr(skb, VPC_A_PREFIX, m->p, false) ||
	    vpc_nl_put_addr(skb, m->d->addr_attr, m->p, true))
		return -EMSGSIZE;
	return 0;
}

/* An IPv4 prefix, or with HOST a unicast host address (/32). */
static int vpc_nl_get_addr4(struct nlattr **tb, const struct nlattr *attr,
			    bool host, __be32 *ip, u8 plen,
			    struct netlink_ext_ack *extack)
{
	*ip = nla_get_in_addr(tb[VPC_ADDR_A_IP4]);
	if (host && plen != 32) {
		NL_SET_ERR_MSG_MOD(extack, "not an IPv4 host address (/32)");
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	if (!vpc_nl_prefix4_ok(*ip, plen, attr, tb[VPC_ADDR_A_PLEN], extack))
		return -EINVAL;
	return 0;
}

/*
 * The same for IPv6.  A prefix may be ::/0 (a default route); a host
 * address must be one a VM may have (not link-local, which is never
 * routed).
 */
static int vpc_nl_get_addr6(struct nlattr **tb, const struct nlattr *attr,
			    bool host, struct in6_addr *ip, u8 plen,
			    struct netlink_ext_ack *extack)
{
	*ip = nla_get_in6_addr(tb[VPC_ADDR_A_IP6]);
	if (host && plen != 128) {
		NL_SET_ERR_MSG_MOD(extack, "not an IPv6 host address (/128)");
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	if (!vpc_nl_prefix6_ok(ip, plen, attr, tb[VPC_ADDR_A_PLEN], extack))
		return -EINVAL;
	return 0;
}

/*
 * The address nest in ATTR into P: with HOST its address (gateway, next
 * hop), which must be of P's family, else its prefix (PLEN may be absent:
 * a host prefix) with no bits beyond its length.
 */
static int vpc_nl_get_addr(struct genl_info *info, int attr, bool host,
			   struct vpc_prefix *p)
{
	const struct nlattr *nest = info->attrs[attr];
	struct nlattr *tb[VPC_ADDR_A_MAX + 1];
	bool v6;
	u8 plen;
	int ret;

	/* The policy validated the nest already. */
	ret = nla_parse_nested(tb, VPC_ADDR_A_MAX, nest, NULL, info->extack);
	if (ret)
		return ret;
	if (!tb[VPC_ADDR_A_IP4] == !tb[VPC_ADDR_A_IP6]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "an address needs one IPv4 or one IPv6 address");
		NL_SET_BAD_ATTR(info->extack, nest);
		return -EINVAL;
	}
	v6 = tb[VPC_ADDR_A_IP6];
	if (host && v6 != p->v6) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the address is not of the prefix's family");
		NL_SET_BAD_ATTR(info->extack, nest);
		return -EINVAL;
	}
	plen = tb[VPC_ADDR_A_PLEN] ? nla_get_u8(tb[VPC_ADDR_A_PLEN]) :
				     v6 ? 128 : 32;
	if (v6)
		ret = vpc_nl_get_addr6(tb, nest, host, host ? &p->addr6 : &p->ip6,
				       plen, info->extack);
	else
		ret = vpc_nl_get_addr4(tb, nest, host, host ? &p->addr : &p->ip,
				       plen, info->extack);
	if (ret || host)
		return ret;
	p->v6 = v6;
	p->plen = plen;
	return 0;
}

static int vpc_nl_prefix_change(struct genl_info *info,
				const struct vpc_nl_ptable *d, bool add)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	const struct vpc_prefix *old;
	struct vpc_prefix p = { 0 };
	struct vpc_nl_prefix_msg msg = { .d = d, .p = &p };
	struct vpc_net *vnet;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_PREFIX, "prefix"))
		return -EINVAL;
	if (add && d->addr_attr == VPC_A_GW &&
	    vpc_nl_missing(info, VPC_A_GW, "gateway"))
		return -EINVAL;
	if (add && d->addr_attr == VPC_A_VIA &&
	    vpc_nl_missing(info, VPC_A_VIA, "next hop"))
		return -EINVAL;
	ret = vpc_nl_get_addr(info, VPC_A_PREFIX, false, &p);
	if (ret)
		return ret;
	if (add) {
		ret = vpc_nl_get_addr(info, d->addr_attr, true, &p);
		if (ret)
			return ret;
	}

	mutex_lock(&pn->lock);
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		ret = -ENOENT;
		goto out;
	}
	if (add) {
		ret = d->add(pn, vnet, &p, info->extack);
	} else {
		/* The notification names the gateway or next hop deleted. */
		old = vpc_ptable_find(d->table(pn, vnet), &p);
		if (old)
			p = *old;
		ret = d->del(pn, vnet, &p, info->extack);
	}
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_PREFIX]);
		goto out;
	}
	msg.vpc = vnet->id;
	vpc_nl_notify_obj(pn, vpc_prefix_put, &msg,
			  add ? d->new_cmd : d->del_cmd);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

/*
 * The cursor within a VPC: cb->args[1] is the next index in its table D
 * (ARG); a change between rounds shifts indices, and the generation check
 * reports it (NLM_F_DUMP_INTR).
 */
static int vpc_nl_prefix_dump_net(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct vpc_pernet *pn, struct vpc_net *vnet,
				  const void *arg)
{
	const struct vpc_nl_ptable *d = arg;
	const struct vpc_ptable *t = d->table(pn, vnet);
	struct vpc_nl_prefix_msg msg = { .d = d, .vpc = vnet->id };
	int ret;

	for (; t && cb->args[1] < t->n; cb->args[1]++) {
		msg.p = &t->e[cb->args[1]];
		ret = vpc_nl_dump_obj(skb, cb, pn, vpc_prefix_put, &msg,
				      d->get_cmd);
		if (ret)
			return ret;
	}
	return 0;
}

int vpc_nl_subnet_new(struct sk_buff *skb, struct genl_info *info)
{
	return vpc_nl_prefix_change(info, &vpc_nl_subnets, true);
}

int vpc_nl_subnet_del(struct sk_buff *skb, struct genl_info *info)
{
	return vpc_nl_prefix_change(info, &vpc_nl_subnets, false);
}

int vpc_nl_subnet_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vpc_nl_dump_per_net(skb, cb, vpc_nl_prefix_dump_net,
				   &vpc_nl_subnets);
}

int vpc_nl_route_new(struct sk_buff *skb, struct genl_info *info)
{
	return vpc_nl_prefix_change(info, &vpc_nl_routes, true);
}

int vpc_nl_route_del(struct sk_buff *skb, struct genl_info *info)
{
	return vpc_nl_prefix_change(info, &vpc_nl_routes, false);
}

int vpc_nl_route_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vpc_nl_dump_per_net(skb, cb, vpc_nl_prefix_dump_net,
				   &vpc_nl_routes);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink: the prefix tables of a VPC, subnets (prefix, gateway) and user
 * routes (prefix, next hop).  Both have the same shape, so one set of
 * handlers serves both, told apart by a descriptor.
 */
#include <linux/ctype.h>
#include <linux/inetdevice.h>
#include <linux/slab.h>

#include "dns.h"
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

/* A subnet's DNS servers and domain, if it has any. */
static int vpc_subnet_put_dns(struct sk_buff *skb, struct vpc_pernet *pn,
			      const struct vpc_nl_prefix_msg *m)
{
	const struct vpc_net *vnet = vpc_net_find(pn, m->vpc);
	const struct vpc_dns *dns;
	struct nlattr *nest;
	unsigned int i;
	int ret = 0;

	if (!vnet)
		return 0;
	rcu_read_lock();
	dns = vpc_dns_find(vnet, m->p);
	for (i = 0; dns && !ret && i < dns->n; i++) {
		nest = nla_nest_start(skb, VPC_A_DNS);
		if (!nest) {
			ret = -EMSGSIZE;
			break;
		}
		if (ipv6_addr_v4mapped(&dns->server[i]))
			ret = nla_put_in_addr(skb, VPC_ADDR_A_IP4,
					      dns->server[i].s6_addr32[3]);
		else
			ret = nla_put_in6_addr(skb, VPC_ADDR_A_IP6,
					       &dns->server[i]);
		nla_nest_end(skb, nest);
	}
	if (dns && !ret && dns->domain[0])
		ret = nla_put_string(skb, VPC_A_DOMAIN, dns->domain);
	rcu_read_unlock();
	return ret;
}

static int vpc_prefix_put(struct sk_buff *skb, struct vpc_pernet *pn,
			  const void *obj)
{
	const struct vpc_nl_prefix_msg *m = obj;

	if (nla_put_u32(skb, VPC_A_NET_ID, m->vpc) ||
	    vpc_nl_put_addr(skb, VPC_A_PREFIX, m->p, false) ||
	    vpc_nl_put_addr(skb, m->d->addr_attr, m->p, true) ||
	    (m->d == &vpc_nl_subnets && vpc_subnet_put_dns(skb, pn, m)))
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

	ret = vpc_nl_parse_addr(nest, tb, info->extack);
	if (ret)
		return ret;
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

/* A search domain: dot-separated labels of letters, digits and hyphens. */
static bool vpc_nl_domain_ok(const char *name)
{
	unsigned int label = 0;
	const char *c;

	for (c = name; *c; c++) {
		if (*c == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (isalnum(*c) || *c == '-') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label;
}

/* The VPC_A_DNS attributes and VPC_A_DOMAIN of a request into DNS. */
static int vpc_nl_get_dns(struct genl_info *info, struct vpc_dns *dns)
{
	struct nlattr *tb[VPC_ADDR_A_MAX + 1];
	const struct nlattr *attr;
	int rem, ret;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != VPC_A_DNS)
			continue;
		if (dns->n == VPC_DNS_MAX) {
			NL_SET_ERR_MSG_MOD(info->extack, "too many DNS servers for one subnet");
			NL_SET_BAD_ATTR(info->extack, attr);
			return -EINVAL;
		}
		ret = vpc_nl_get_host(attr, tb, &dns->server[dns->n],
				      info->extack);
		if (ret)
			return ret;
		dns->n++;
	}
	attr = info->attrs[VPC_A_DOMAIN];
	if (attr) {
		nla_strscpy(dns->domain, attr, sizeof(dns->domain));
		if (!vpc_nl_domain_ok(dns->domain)) {
			NL_SET_ERR_MSG_MOD(info->extack, "not a domain name");
			NL_SET_BAD_ATTR(info->extack, attr);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * vpc subnet set: a subnet's DNS servers and search domain, for DHCP,
 * DHCPv6 and router advertisements; a request with neither clears them.
 */
int vpc_nl_subnet_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_nl_prefix_msg msg = { .d = &vpc_nl_subnets };
	const struct vpc_prefix *subnet;
	struct vpc_net *vnet;
	struct vpc_dns *dns;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_PREFIX, "prefix"))
		return -EINVAL;
	dns = kzalloc(sizeof(*dns), GFP_KERNEL);
	if (!dns)
		return -ENOMEM;
	ret = vpc_nl_get_addr(info, VPC_A_PREFIX, false, &dns->subnet);
	if (!ret)
		ret = vpc_nl_get_dns(info, dns);
	if (ret)
		goto out_free;

	mutex_lock(&pn->lock);
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		ret = -ENOENT;
		goto out;
	}
	subnet = vpc_ptable_find(vpc_subnets(pn, vnet), &dns->subnet);
	if (!subnet) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such subnet in this VPC");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_PREFIX]);
		ret = -ENOENT;
		goto out;
	}
	ret = vpc_dns_set(pn, vnet, dns);
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the subnet's DNS");
		goto out;
	}
	msg.vpc = vnet->id;
	msg.p = subnet;
	vpc_nl_notify_obj(pn, vpc_prefix_put, &msg, VPC_CMD_SUBNET_SET);
out:
	mutex_unlock(&pn->lock);
out_free:
	kfree(dns);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* The "vpc" generic netlink family: Documentation/netlink/specs/vpc.yaml. */
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "pernet.h"
#include "stats.h"
#include "vnet.h"

static const struct genl_multicast_group vpc_mcgrps[] = {
	[VPC_MCGRP_NOTIFY_ID] = { .name = VPC_MCGRP_NOTIFY },
};

static struct netlink_range_validation vpc_net_id_range = {
	.min = VPC_NET_ID_MIN,
	.max = VPC_NET_ID_MAX,
};

static const struct nla_policy vpc_net_new_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_NET_NAME] = { .type = NLA_NUL_STRING, .len = VPC_NAME_MAXLEN - 1 },
};

static const struct nla_policy vpc_net_id_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
};

static const struct nla_policy vpc_underlay_set_policy[VPC_A_MAX + 1] = {
	[VPC_A_LOCAL] = { .type = NLA_BE32 },
	[VPC_A_LOCAL1] = { .type = NLA_BE32 },
	[VPC_A_FASTPATH] = NLA_POLICY_MAX(NLA_U8, 1),
	[VPC_A_RATE] = { .type = NLA_U64 },
	[VPC_A_RATE1] = { .type = NLA_U64 },
	[VPC_A_RESERVE] = { .type = NLA_U64 },
	[VPC_A_RESERVE1] = { .type = NLA_U64 },
};

static const struct nla_policy vpc_none_policy[VPC_A_MAX + 1] = {
};

static const struct nla_policy vpc_addr_policy[VPC_ADDR_A_MAX + 1] = {
	[VPC_ADDR_A_IP4] = { .type = NLA_BE32 },
	[VPC_ADDR_A_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[VPC_ADDR_A_IP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

/*
 * Prefixes, gateways and next hops: the prefix length is checked per
 * family by the handler (nl_prefix.c), so that a wrong one is EINVAL with
 * the family's limit named.
 */
static const struct nla_policy vpc_prefix_addr_policy[VPC_ADDR_A_MAX + 1] = {
	[VPC_ADDR_A_IP4] = { .type = NLA_BE32 },
	[VPC_ADDR_A_PLEN] = { .type = NLA_U8 },
	[VPC_ADDR_A_IP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy vpc_port_new_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VPC_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[VPC_A_ADDR] = NLA_POLICY_NESTED(vpc_addr_policy),
};

static const struct nla_policy vpc_port_id_policy[VPC_A_MAX + 1] = {
	[VPC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy vpc_allow_policy[VPC_ADDR_A_MAX + 1] = {
	[VPC_ADDR_A_IP4] = { .type = NLA_BE32 },
	[VPC_ADDR_A_IP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[VPC_ADDR_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
};

static const struct nla_policy vpc_port_set_policy[VPC_A_MAX + 1] = {
	[VPC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VPC_A_ALLOW] = NLA_POLICY_NESTED(vpc_allow_policy),
	[VPC_A_DISALLOW] = NLA_POLICY_NESTED(vpc_allow_policy),
	[VPC_A_QOS_EGRESS] = NLA_POLICY_MAX(NLA_U8, 1),
	[VPC_A_QOS_INGRESS] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy vpc_map_new_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_IP] = { .type = NLA_BE32 },
	[VPC_A_IP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[VPC_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[VPC_A_HOST] = { .type = NLA_BE32 },
	[VPC_A_HOST1] = { .type = NLA_BE32 },
};

static const struct nla_policy vpc_map_id_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_IP] = { .type = NLA_BE32 },
	[VPC_A_IP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy vpc_subnet_new_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_PREFIX] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
	[VPC_A_GW] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
};

static const struct nla_policy vpc_route_new_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_PREFIX] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
	[VPC_A_VIA] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
};

static const struct nla_policy vpc_subnet_set_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_PREFIX] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
	[VPC_A_DNS] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
	[VPC_A_DOMAIN] = { .type = NLA_NUL_STRING, .len = VPC_DOMAIN_MAXLEN - 1 },
};

/* Deleting a subnet or route; net-id alone filters their dumps. */
static const struct nla_policy vpc_prefix_id_policy[VPC_A_MAX + 1] = {
	[VPC_A_NET_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vpc_net_id_range),
	[VPC_A_PREFIX] = NLA_POLICY_NESTED(vpc_prefix_addr_policy),
};

static const struct nla_policy vpc_path_set_policy[VPC_A_MAX + 1] = {
	[VPC_A_HOST] = { .type = NLA_BE32 },
	[VPC_A_PLANE] = NLA_POLICY_MAX(NLA_U8, VPC_PLANE_MAX),
	[VPC_A_PATH_STATE] = NLA_POLICY_MAX(NLA_U8, VPC_PATH_DOWN),
};

struct vpc_net *vpc_nl_get_net(struct vpc_pernet *pn, struct genl_info *info)
{
	struct vpc_net *vnet;

	lockdep_assert_held(&pn->lock);
	vnet = vpc_net_find(pn, nla_get_u32(info->attrs[VPC_A_NET_ID]));
	if (!vnet) {
		NL_SET_ERR_MSG_MOD(info->extack, "no VPC with this id");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_NET_ID]);
	}
	return vnet;
}

/*
 * The one IPv4 validator: an address a VM, a gateway, a next hop or a host
 * may have is unicast and routable, not 0.0.0.0/8, loopback, multicast or
 * the limited broadcast address.
 */
bool vpc_nl_ip4_ok(__be32 ip, const struct nlattr *attr,
		   struct netlink_ext_ack *extack)
{
	if (ipv4_is_zeronet(ip) || ipv4_is_loopback(ip) ||
	    ipv4_is_multicast(ip) || ipv4_is_lbcast(ip)) {
		NL_SET_ERR_MSG_MOD(extack, "not a unicast IPv4 address");
		NL_SET_BAD_ATTR(extack, attr);
		return false;
	}
	return true;
}

__be32 vpc_nl_get_ip(struct genl_info *info, int attr)
{
	__be32 ip = nla_get_in_addr(info->attrs[attr]);

	return vpc_nl_ip4_ok(ip, info->attrs[attr], info->extack) ? ip : 0;
}

/*
 * A prefix of either family: its length within the family's, no bits set
 * beyond it, and its address one the family's validator takes, unless it
 * is the default prefix (0.0.0.0/0, ::/0).
 */
bool vpc_nl_prefix4_ok(__be32 ip, u8 plen, const struct nlattr *attr,
		       const struct nlattr *plen_attr,
		       struct netlink_ext_ack *extack)
{
	if (plen > 32) {
		NL_SET_ERR_MSG_MOD(extack, "IPv4 prefix length above 32");
		NL_SET_BAD_ATTR(extack, plen_attr ?: attr);
		return false;
	}
	if ((plen || ip) && !vpc_nl_ip4_ok(ip, attr, extack))
		return false;
	if (ip & ~inet_make_mask(plen)) {
		NL_SET_ERR_MSG_MOD(extack, "address has bits set beyond its prefix");
		NL_SET_BAD_ATTR(extack, attr);
		return false;
	}
	return true;
}

bool vpc_nl_prefix6_ok(const struct in6_addr *ip, u8 plen,
		       const struct nlattr *attr,
		       const struct nlattr *plen_attr,
		       struct netlink_ext_ack *extack)
{
	struct in6_addr masked;

	if (plen > 128) {
		NL_SET_ERR_MSG_MOD(extack, "IPv6 prefix length above 128");
		NL_SET_BAD_ATTR(extack, plen_attr ?: attr);
		return false;
	}
	if ((plen || !ipv6_addr_any(ip)) && !vpc_nl_ip6_ok(ip, attr, extack))
		return false;
	ipv6_addr_prefix(&masked, ip, plen);
	if (!ipv6_addr_equal(&masked, ip)) {
		NL_SET_ERR_MSG_MOD(extack, "address has bits set beyond its prefix");
		NL_SET_BAD_ATTR(extack, attr);
		return false;
	}
	return true;
}

const u8 *vpc_nl_get_mac(struct genl_info *info)
{
	const u8 *mac = nla_data(info->attrs[VPC_A_MAC]);

	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG_MOD(info->extack, "not a unicast MAC address");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_MAC]);
		return NULL;
	}
	return mac;
}

/*
 * The one IPv6 validator: an address a VM, a gateway or a next hop may have
 * is unicast and routable within the VPC: not link-local (never
 * forwarded), loopback, IPv4-mapped or unspecified.
 */
bool vpc_nl_ip6_ok(const struct in6_addr *ip, const struct nlattr *attr,
		   struct netlink_ext_ack *extack)
{
	int type = ipv6_addr_type(ip);

	if (type == IPV6_ADDR_ANY ||
	    (type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
		     IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED))) {
		NL_SET_ERR_MSG_MOD(extack, "not a unicast IPv6 address (link-local is not routed)");
		NL_SET_BAD_ATTR(extack, attr);
		return false;
	}
	return true;
}

int vpc_nl_parse_addr(const struct nlattr *attr, struct nlattr **tb,
		      struct netlink_ext_ack *extack)
{
	int ret;

	/* The policy validated the nest already. */
	ret = nla_parse_nested(tb, VPC_ADDR_A_MAX, attr, NULL, extack);
	if (ret)
		return ret;
	if (!tb[VPC_ADDR_A_IP4] == !tb[VPC_ADDR_A_IP6]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an address needs one IPv4 or one IPv6 address");
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	return 0;
}

int vpc_nl_get_host(const struct nlattr *attr, struct nlattr **tb,
		    struct in6_addr *ip, struct netlink_ext_ack *extack)
{
	__be32 ip4;
	int ret;

	ret = vpc_nl_parse_addr(attr, tb, extack);
	if (ret)
		return ret;
	if (tb[VPC_ADDR_A_IP4]) {
		ip4 = nla_get_in_addr(tb[VPC_ADDR_A_IP4]);
		if (!vpc_nl_ip4_ok(ip4, attr, extack))
			return -EINVAL;
		ipv6_addr_set_v4mapped(ip4, ip);
		return 0;
	}
	*ip = nla_get_in6_addr(tb[VPC_ADDR_A_IP6]);
	return vpc_nl_ip6_ok(ip, attr, extack) ? 0 : -EINVAL;
}

/*
 * The header, OBJ's attributes from PUT, and the end; a dump (CB) is told
 * whether the objects changed between its rounds.
 */
static int vpc_nl_put_obj(struct sk_buff *skb, struct vpc_pernet *pn,
			  int (*put)(struct sk_buff *skb,
				     struct vpc_pernet *pn, const void *obj),
			  const void *obj, u32 portid, u32 seq, int flags,
			  u8 cmd, struct netlink_callback *cb)
{
	void *hdr;

	lockdep_assert_held(&pn->lock);
	hdr = genlmsg_put(skb, portid, seq, &vpc_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (put(skb, pn, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

void vpc_nl_notify_obj(struct vpc_pernet *pn,
		       int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
				  const void *obj),
		       const void *obj, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&vpc_genl_family, pn->net, VPC_MCGRP_NOTIFY_ID))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (vpc_nl_put_obj(skb, pn, put, obj, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	/* Best effort, like rtnetlink: a listener that cannot keep up loses some. */
	genlmsg_multicast_netns(&vpc_genl_family, pn->net, skb, 0,
				VPC_MCGRP_NOTIFY_ID, GFP_KERNEL);
}

int vpc_nl_reply_obj(struct genl_info *info,
		     void *(*find)(struct vpc_pernet *pn, struct genl_info *info),
		     int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
				const void *obj),
		     u8 cmd)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *obj;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&pn->lock);
	obj = find(pn, info);
	if (!obj) {
		ret = -ENOENT;
		goto out;
	}
	ret = vpc_nl_put_obj(msg, pn, put, obj, info->snd_portid,
			     info->snd_seq, 0, cmd, NULL);
out:
	mutex_unlock(&pn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

int vpc_nl_del_obj(struct genl_info *info,
		   void *(*find)(struct vpc_pernet *pn, struct genl_info *info),
		   int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
			      const void *obj),
		   void (*del)(struct vpc_pernet *pn, void *obj), u8 cmd)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	void *obj;
	int ret = 0;

	mutex_lock(&pn->lock);
	obj = find(pn, info);
	if (!obj) {
		ret = -ENOENT;
		goto out;
	}
	vpc_nl_notify_obj(pn, put, obj, cmd);
	del(pn, obj);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

int vpc_nl_dump_obj(struct sk_buff *skb, struct netlink_callback *cb,
		    struct vpc_pernet *pn,
		    int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
			       const void *obj),
		    const void *obj, u8 cmd)
{
	return vpc_nl_put_obj(skb, pn, put, obj, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd, cb);
}

int vpc_nl_dump_per_net(struct sk_buff *skb, struct netlink_callback *cb,
			int (*dump_net)(struct sk_buff *skb,
					struct netlink_callback *cb,
					struct vpc_pernet *pn,
					struct vpc_net *vnet, const void *arg),
			const void *arg)
{
	const struct genl_dumpit_info *dinfo = genl_dumpit_info(cb);
	struct vpc_pernet *pn = vpc_pernet(sock_net(skb->sk));
	struct nlattr *only = dinfo->attrs[VPC_A_NET_ID];
	struct vpc_net *vnet;
	unsigned long id;
	int ret = 0;

	if (only && !cb->args[0])
		cb->args[0] = nla_get_u32(only);

	mutex_lock(&pn->lock);
	cb->seq = pn->gen;
	xa_for_each_start(&pn->nets, id, vnet, cb->args[0]) {
		if (only && id != nla_get_u32(only))
			break;
		if (id != cb->args[0]) {
			cb->args[0] = id;
			memset(&cb->args[1], 0,
			       sizeof(cb->args) - sizeof(cb->args[0]));
		}
		ret = dump_net(skb, cb, pn, vnet, arg);
		if (ret)
			break;
	}
	mutex_unlock(&pn->lock);
	return vpc_nl_dump_ret(skb, ret);
}

static int vpc_net_put(struct sk_buff *skb, struct vpc_pernet *pn,
		       const void *obj)
{
	const struct vpc_net *vnet = obj;
	u64 sum[__VPC_STATS_A_MAX];

	vpc_net_stats(pn, vnet, sum);
	if (nla_put_u32(skb, VPC_A_NET_ID, vnet->id) ||
	    (vnet->name[0] && nla_put_string(skb, VPC_A_NET_NAME, vnet->name)) ||
	    nla_put(skb, VPC_A_MAC, ETH_ALEN, vnet->gw_mac) ||
	    vpc_stats_fill_sums(skb, sum, vpc_stats_net_ranges,
				ARRAY_SIZE(vpc_stats_net_ranges)))
		return -EMSGSIZE;
	return 0;
}

/* vpc_nl_get_net() as the find callback of a GET or DEL. */
static void *vpc_nl_find_net(struct vpc_pernet *pn, struct genl_info *info)
{
	return vpc_nl_get_net(pn, info);
}

static int vpc_nl_net_new(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	const char *name = NULL;
	struct vpc_net *vnet;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id"))
		return -EINVAL;
	if (info->attrs[VPC_A_NET_NAME])
		name = nla_data(info->attrs[VPC_A_NET_NAME]);

	mutex_lock(&pn->lock);
	vnet = vpc_net_add(pn, nla_get_u32(info->attrs[VPC_A_NET_ID]), name,
			   info->extack);
	ret = PTR_ERR_OR_ZERO(vnet);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_NET_ID]);
		goto out;
	}
	vpc_nl_notify_obj(pn, vpc_net_put, vnet, VPC_CMD_NET_NEW);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

/*
 * Its ports go with it, and detaching a port needs RTNL; its mappings go
 * after RTNL is released, so that a VPC with a million of them does not
 * stall every rtnetlink user of the host.  pn->lock is held throughout,
 * so nothing of this netns sees the VPC half deleted.
 */
static int vpc_nl_net_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_net *vnet;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id"))
		return -EINVAL;

	rtnl_lock();
	mutex_lock(&pn->lock);
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		mutex_unlock(&pn->lock);
		rtnl_unlock();
		return -ENOENT;
	}
	vpc_nl_notify_obj(pn, vpc_net_put, vnet, VPC_CMD_NET_DEL);
	vpc_net_unlink(pn, vnet);
	rtnl_unlock();
	vpc_net_destroy(pn, vnet);
	mutex_unlock(&pn->lock);
	return 0;
}

static int vpc_nl_net_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id"))
		return -EINVAL;
	return vpc_nl_reply_obj(info, vpc_nl_find_net, vpc_net_put,
				VPC_CMD_NET_GET);
}

/* cb->args[0]: the next VPC id to emit, so a dump resumes where it stopped. */
static int vpc_nl_net_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct vpc_pernet *pn = vpc_pernet(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct vpc_net *vnet;
	int ret = 0;

	mutex_lock(&pn->lock);
	cb->seq = pn->gen;
	xa_for_each_start(&pn->nets, id, vnet, cb->args[0]) {
		ret = vpc_nl_dump_obj(skb, cb, pn, vpc_net_put, vnet,
				      VPC_CMD_NET_GET);
		if (ret)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&pn->lock);
	/* A full skb ends this round; the core calls again for the rest. */
	return vpc_nl_dump_ret(skb, ret);
}

static const struct genl_ops vpc_genl_ops[] = {
	{
		.cmd = VPC_CMD_NET_NEW,
		.doit = vpc_nl_net_new,
		.policy = vpc_net_new_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_NET_DEL,
		.doit = vpc_nl_net_del,
		.policy = vpc_net_id_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_NET_GET,
		.doit = vpc_nl_net_get_doit,
		.dumpit = vpc_nl_net_get_dumpit,
		.policy = vpc_net_id_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_UNDERLAY_SET,
		.doit = vpc_nl_underlay_set,
		.policy = vpc_underlay_set_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_UNDERLAY_GET,
		.doit = vpc_nl_underlay_get,
		.policy = vpc_none_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_PORT_NEW,
		.doit = vpc_nl_port_new,
		.policy = vpc_port_new_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_PORT_DEL,
		.doit = vpc_nl_port_del,
		.policy = vpc_port_id_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_PORT_GET,
		.doit = vpc_nl_port_get_doit,
		.dumpit = vpc_nl_port_get_dumpit,
		.policy = vpc_port_id_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_PORT_SET,
		.doit = vpc_nl_port_set,
		.policy = vpc_port_set_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_MAP_NEW,
		.doit = vpc_nl_map_new,
		.policy = vpc_map_new_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_MAP_DEL,
		.doit = vpc_nl_map_del,
		.policy = vpc_map_id_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_MAP_GET,
		.doit = vpc_nl_map_get_doit,
		.dumpit = vpc_nl_map_get_dumpit,
		.policy = vpc_map_id_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_SUBNET_NEW,
		.doit = vpc_nl_subnet_new,
		.policy = vpc_subnet_new_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_SUBNET_DEL,
		.doit = vpc_nl_subnet_del,
		.policy = vpc_prefix_id_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_SUBNET_GET,
		.dumpit = vpc_nl_subnet_get_dumpit,
		.policy = vpc_prefix_id_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_SUBNET_SET,
		.doit = vpc_nl_subnet_set,
		.policy = vpc_subnet_set_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_ROUTE_NEW,
		.doit = vpc_nl_route_new,
		.policy = vpc_route_new_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_ROUTE_DEL,
		.doit = vpc_nl_route_del,
		.policy = vpc_prefix_id_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_ROUTE_GET,
		.dumpit = vpc_nl_route_get_dumpit,
		.policy = vpc_prefix_id_policy,
		.maxattr = VPC_A_MAX,
	},
	{
		.cmd = VPC_CMD_PATH_SET,
		.doit = vpc_nl_path_set,
		.policy = vpc_path_set_policy,
		.maxattr = VPC_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPC_CMD_PATH_GET,
		.dumpit = vpc_nl_path_get_dumpit,
		.policy = vpc_none_policy,
		.maxattr = VPC_A_MAX,
	},
};

struct genl_family vpc_genl_family __ro_after_init = {
	.name = VPC_GENL_NAME,
	.version = VPC_GENL_VERSION,
	.maxattr = VPC_A_MAX,
	.netnsok = true,
	.parallel_ops = true,	/* each netns has its own lock */
	.module = THIS_MODULE,
	.ops = vpc_genl_ops,
	.n_ops = ARRAY_SIZE(vpc_genl_ops),
	.resv_start_op = VPC_CMD_MAX + 1,
	.mcgrps = vpc_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vpc_mcgrps),
};

int vpc_genl_init(void)
{
	return genl_register_family(&vpc_genl_family);
}

void vpc_genl_exit(void)
{
	genl_unregister_family(&vpc_genl_family);
}

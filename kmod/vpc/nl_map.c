// SPDX-License-Identifier: GPL-2.0
/* Netlink: mappings of remote VMs to the hosts they run on. */

#include "map.h"
#include "netlink.h"
#include "pernet.h"
#include "vnet.h"

static int vpc_map_put(struct sk_buff *skb, struct vpc_pernet *pn,
		       const void *obj)
{
	const struct vpc_map *map = obj;

	if (nla_put_u32(skb, VPC_A_NET_ID, map->key.vpc) ||
	    (map->ip6 ? nla_put_in6_addr(skb, VPC_A_IP6, &map->key6.ip) :
			nla_put_in_addr(skb, VPC_A_IP, map->key.ip)) ||
	    nla_put(skb, VPC_A_MAC, ETH_ALEN, map->mac) ||
	    nla_put_in_addr(skb, VPC_A_HOST, map->host[0]) ||
	    (map->host[1] && nla_put_in_addr(skb, VPC_A_HOST1, map->host[1])))
		return -EMSGSIZE;
	return 0;
}

/* The key of a request: VPC_A_IP or VPC_A_IP6, exactly one; NULL if not. */
static struct nlattr *vpc_nl_map_key(struct genl_info *info)
{
	struct nlattr *ip = info->attrs[VPC_A_IP], *ip6 = info->attrs[VPC_A_IP6];

	if (ip && ip6) {
		NL_SET_ERR_MSG_MOD(info->extack, "both an IPv4 and an IPv6 address");
		NL_SET_BAD_ATTR(info->extack, ip6);
		return NULL;
	}
	if (!ip && !ip6) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing IP address (IPv4 or IPv6)");
		return NULL;
	}
	return ip ?: ip6;
}

/*
 * NLM_F_REPLACE creates or updates (vpc map replace); without it an
 * existing mapping is EEXIST (vpc map add).
 */
int vpc_nl_map_new(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	bool replace = info->nlhdr->nlmsg_flags & NLM_F_REPLACE;
	__be32 host[VPC_PLANES] = { 0 };
	struct in6_addr ip6;
	struct vpc_net *vnet;
	struct nlattr *key;
	struct vpc_map *map;
	const u8 *mac;
	__be32 ip;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id"))
		return -EINVAL;
	key = vpc_nl_map_key(info);
	if (!key ||
	    vpc_nl_missing(info, VPC_A_MAC, "MAC address") ||
	    vpc_nl_missing(info, VPC_A_HOST, "host underlay IP"))
		return -EINVAL;
	if (nla_type(key) == VPC_A_IP) {
		ip = vpc_nl_get_ip(info, VPC_A_IP);
		if (!ip)
			return -EINVAL;
	} else {
		ip6 = nla_get_in6_addr(key);
		if (!vpc_nl_ip6_ok(&ip6, key, info->extack))
			return -EINVAL;
	}
	host[0] = vpc_nl_get_ip(info, VPC_A_HOST);
	if (!host[0])
		return -EINVAL;
	if (info->attrs[VPC_A_HOST1]) {
		host[1] = vpc_nl_get_ip(info, VPC_A_HOST1);
		if (!host[1])
			return -EINVAL;
	}
	mac = vpc_nl_get_mac(info);
	if (!mac)
		return -EINVAL;

	mutex_lock(&pn->lock);
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		ret = -ENOENT;
		goto out;
	}
	if (nla_type(key) == VPC_A_IP)
		map = vpc_map_set(pn, vnet, ip, mac, host, replace,
				  info->extack);
	else
		map = vpc_map_set6(pn, vnet, &ip6, mac, host, replace,
				   info->extack);
	ret = PTR_ERR_OR_ZERO(map);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, key);
		goto out;
	}
	vpc_nl_notify_obj(pn, vpc_map_put, map, VPC_CMD_MAP_NEW);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

/* The map a GET or DEL names, or NULL with an extack message. */
static void *vpc_nl_find_map(struct vpc_pernet *pn, struct genl_info *info)
{
	struct vpc_net *vnet = vpc_nl_get_net(pn, info);
	struct nlattr *key = info->attrs[VPC_A_IP] ?: info->attrs[VPC_A_IP6];
	struct in6_addr ip6;
	struct vpc_map *map;

	if (!vnet)
		return NULL;
	if (nla_type(key) == VPC_A_IP) {
		map = vpc_map_find(pn, vnet, nla_get_in_addr(key));
	} else {
		ip6 = nla_get_in6_addr(key);
		map = vpc_map_find6(pn, vnet, &ip6);
	}
	if (!map) {
		NL_SET_ERR_MSG_MOD(info->extack, "no mapping for this IP in this VPC");
		NL_SET_BAD_ATTR(info->extack, key);
	}
	return map;
}

static void vpc_nl_del_map(struct vpc_pernet *pn, void *obj)
{
	struct vpc_map *map = obj;

	vpc_map_del(pn, vpc_net_find(pn, map->key.vpc), map);
}

int vpc_nl_map_del(struct sk_buff *skb, struct genl_info *info)
{
	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    !vpc_nl_map_key(info))
		return -EINVAL;
	return vpc_nl_del_obj(info, vpc_nl_find_map, vpc_map_put,
			      vpc_nl_del_map, VPC_CMD_MAP_DEL);
}

int vpc_nl_map_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    !vpc_nl_map_key(info))
		return -EINVAL;
	return vpc_nl_reply_obj(info, vpc_nl_find_map, vpc_map_put,
				VPC_CMD_MAP_GET);
}

/* Dump the mappings in XA from *CURSOR on; *CURSOR follows. */
static int vpc_nl_map_dump_xa(struct sk_buff *skb, struct netlink_callback *cb,
			      struct vpc_pernet *pn, struct xarray *xa,
			      long *cursor)
{
	struct vpc_map *map;
	unsigned long index;
	int ret;

	xa_for_each_start(xa, index, map, *cursor) {
		ret = vpc_nl_dump_obj(skb, cb, pn, vpc_map_put, map,
				      VPC_CMD_MAP_GET);
		if (ret)
			return ret;
		*cursor = index + 1;
	}
	return 0;
}

/*
 * The cursor within a VPC: cb->args[1] is the next IPv4 (host order),
 * cb->args[2] the next IPv6 index (IPv6 mappings follow the IPv4 ones).
 */
static int vpc_nl_map_dump_net(struct sk_buff *skb,
			       struct netlink_callback *cb,
			       struct vpc_pernet *pn, struct vpc_net *vnet,
			       const void *arg)
{
	int ret;

	ret = vpc_nl_map_dump_xa(skb, cb, pn, &vnet->maps, &cb->args[1]);
	if (ret)
		return ret;
	return vpc_nl_map_dump_xa(skb, cb, pn, &vnet->maps6, &cb->args[2]);
}

int vpc_nl_map_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vpc_nl_dump_per_net(skb, cb, vpc_nl_map_dump_net, NULL);
}

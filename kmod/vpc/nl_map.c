// SPDX-License-Identifier: GPL-2.0
/* Netlink: mappings of remote VMs to the hosts they run on. */
#include <linux/etherdevice.h>
#include <net/sock.h>

#include "map.h"
#include "netlink.h"
#include "pernet.h"
#include "vnet.h"

static int vpc_map_fill(struct sk_buff *skb, const struct vpc_map *map,
			u32 portid, u32 seq, int flags, u8 cmd,
			struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vpc_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, VPC_A_NET_ID, map->key.vpc) ||
	    nla_put_in_addr(skb, VPC_A_IP, map->key.ip) ||
	    nla_put(skb, VPC_A_MAC, ETH_ALEN, map->mac) ||
	    nla_put_in_addr(skb, VPC_A_HOST, map->host[0]) ||
	    (map->host[1] && nla_put_in_addr(skb, VPC_A_HOST1, map->host[1]))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void vpc_map_notify(struct vpc_pernet *pn, const struct vpc_map *map,
			   u8 cmd)
{
	struct sk_buff *skb = vpc_nl_notify_alloc(pn);

	if (!skb)
		return;
	if (vpc_map_fill(skb, map, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	vpc_nl_notify_send(pn, skb);
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
	struct vpc_net *vnet;
	struct vpc_map *map;
	const u8 *mac;
	__be32 ip;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_IP, "IP address") ||
	    vpc_nl_missing(info, VPC_A_MAC, "MAC address") ||
	    vpc_nl_missing(info, VPC_A_HOST, "host underlay IP"))
		return -EINVAL;
	ip = vpc_nl_get_ip(info, VPC_A_IP);
	host[0] = vpc_nl_get_ip(info, VPC_A_HOST);
	if (!ip || !host[0])
		return -EINVAL;
	if (info->attrs[VPC_A_HOST1]) {
		host[1] = vpc_nl_get_ip(info, VPC_A_HOST1);
		if (!host[1])
			return -EINVAL;
	}
	mac = nla_data(info->attrs[VPC_A_MAC]);
	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG_MOD(info->extack, "not a unicast MAC address");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_MAC]);
		return -EINVAL;
	}

	mutex_lock(&pn->lock);
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		ret = -ENOENT;
		goto out;
	}
	map = vpc_map_set(pn, vnet, ip, mac, host, replace, info->extack);
	ret = PTR_ERR_OR_ZERO(map);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_IP]);
		goto out;
	}
	vpc_map_notify(pn, map, VPC_CMD_MAP_NEW);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

static struct vpc_map *vpc_nl_get_map(struct vpc_pernet *pn,
				      struct genl_info *info)
{
	struct vpc_net *vnet = vpc_nl_get_net(pn, info);
	struct vpc_map *map;

	if (!vnet)
		return NULL;
	map = vpc_map_find(pn, vnet, nla_get_in_addr(info->attrs[VPC_A_IP]));
	if (!map) {
		NL_SET_ERR_MSG_MOD(info->extack, "no mapping for this IP in this VPC");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_IP]);
	}
	return map;
}

int vpc_nl_map_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_map *map;
	int ret = 0;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_IP, "IP address"))
		return -EINVAL;

	mutex_lock(&pn->lock);
	map = vpc_nl_get_map(pn, info);
	if (!map) {
		ret = -ENOENT;
		goto out;
	}
	vpc_map_notify(pn, map, VPC_CMD_MAP_DEL);
	vpc_map_del(pn, vpc_net_find(pn, map->key.vpc), map);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

int vpc_nl_map_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_map *map;
	struct sk_buff *msg;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_IP, "IP address"))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&pn->lock);
	map = vpc_nl_get_map(pn, info);
	if (!map) {
		ret = -ENOENT;
		goto out;
	}
	ret = vpc_map_fill(msg, map, info->snd_portid, info->snd_seq, 0,
			   VPC_CMD_MAP_GET, NULL);
out:
	mutex_unlock(&pn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The cursor: cb->args[0] is the VPC id, cb->args[1] the next IPv4 (host
 * order) within it.  VPC_A_NET_ID in the request limits the dump to one VPC.
 */
int vpc_nl_map_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *dinfo = genl_dumpit_info(cb);
	struct vpc_pernet *pn = vpc_pernet(sock_net(skb->sk));
	struct nlattr *only = dinfo->attrs[VPC_A_NET_ID];
	unsigned long id, ip;
	struct vpc_net *vnet;
	struct vpc_map *map;
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
			cb->args[1] = 0;
		}
		xa_for_each_start(&vnet->maps, ip, map, cb->args[1]) {
			ret = vpc_map_fill(skb, map, NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   VPC_CMD_MAP_GET, cb);
			if (ret)
				goto out;
			cb->args[1] = ip + 1;
		}
	}
out:
	mutex_unlock(&pn->lock);
	return vpc_nl_dump_ret(skb, ret);
}

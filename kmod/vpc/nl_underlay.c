// SPDX-License-Identifier: GPL-2.0
/* Netlink: the underlay (this host's tunnel endpoints and GRE counters). */
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "pernet.h"
#include "stats.h"
#include "underlay.h"

/* The underlay is the netns's own: OBJ is PN. */
static int vpc_underlay_put(struct sk_buff *skb, struct vpc_pernet *pn,
			    const void *obj)
{
	struct net_device *gre;

	gre = rcu_dereference_protected(pn->gre_dev, lockdep_is_held(&pn->lock));
	if ((pn->underlay[0] &&
	     nla_put_in_addr(skb, VPC_A_LOCAL, pn->underlay[0])) ||
	    (pn->underlay[1] &&
	     nla_put_in_addr(skb, VPC_A_LOCAL1, pn->underlay[1])) ||
	    (gre && (nla_put_u32(skb, VPC_A_IFINDEX, gre->ifindex) ||
		     nla_put_string(skb, VPC_A_IFNAME, gre->name))) ||
	    nla_put_u8(skb, VPC_A_FASTPATH, READ_ONCE(pn->fastpath)) ||
	    vpc_stats_fill(skb, pn->stats, VPC_STATS_GRE_FIRST,
			   VPC_STATS_GRE_LAST))
		return -EMSGSIZE;
	return 0;
}

/* A GET names nothing: there is one underlay per netns. */
static void *vpc_nl_find_underlay(struct vpc_pernet *pn,
				  struct genl_info *info)
{
	return pn;
}

int vpc_nl_underlay_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	static const int attrs[VPC_PLANES] = { VPC_A_LOCAL, VPC_A_LOCAL1 };
	__be32 ip[VPC_PLANES] = { 0 };
	struct nlattr *fastpath;
	int plane, ret = 0;

	for (plane = 0; plane < VPC_PLANES; plane++) {
		if (!info->attrs[attrs[plane]])
			continue;
		ip[plane] = vpc_nl_get_ip(info, attrs[plane]);
		if (!ip[plane])
			return -EINVAL;
	}
	fastpath = info->attrs[VPC_A_FASTPATH];
	if (!ip[0] && !ip[1] && !fastpath) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "nothing to set (local, local1 or fastpath)");
		return -EINVAL;
	}
	if (ip[0] || ip[1]) {
		ret = vpc_underlay_prepare();
		if (ret) {
			NL_SET_ERR_MSG_MOD(info->extack, "GRE (ip_gre) is not available");
			return ret;
		}
	}

	rtnl_lock();
	/* The switch first: the IPs set next are taken, or not, by it. */
	if (fastpath)
		vpc_underlay_set_fastpath(pn, nla_get_u8(fastpath));
	for (plane = 0; plane < VPC_PLANES; plane++) {
		if (!ip[plane])
			continue;
		ret = vpc_underlay_set(pn, plane, ip[plane], info->extack);
		if (ret)
			break;
	}
	rtnl_unlock();
	if (!ret) {
		mutex_lock(&pn->lock);
		vpc_nl_notify_obj(pn, vpc_underlay_put, pn,
				  VPC_CMD_UNDERLAY_SET);
		mutex_unlock(&pn->lock);
	}
	return ret;
}

int vpc_nl_underlay_get(struct sk_buff *skb, struct genl_info *info)
{
	return vpc_nl_reply_obj(info, vpc_nl_find_underlay, vpc_underlay_put,
				VPC_CMD_UNDERLAY_GET);
}

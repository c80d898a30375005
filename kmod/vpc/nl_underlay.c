// SPDX-License-Identifier: GPL-2.0
/* Netlink: the underlay (this host's tunnel endpoints and GRE counters). */
#include <linux/rtnetlink.h>

#include "netlink.h"
#include "pernet.h"
#include "qos.h"
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
	    nla_put_u64_64bit(skb, VPC_A_RATE, pn->rate[0], VPC_A_PAD) ||
	    nla_put_u64_64bit(skb, VPC_A_RATE1, pn->rate[1], VPC_A_PAD) ||
	    nla_put_u64_64bit(skb, VPC_A_RESERVE, pn->reserve[0], VPC_A_PAD) ||
	    nla_put_u64_64bit(skb, VPC_A_RESERVE1, pn->reserve[1], VPC_A_PAD) ||
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

/*
 * Each plane's capacity and host reserve, for the QoS trees userspace
 * builds (qos.c); a rate makes vpc-ingress and vpc-local.  Under RTNL.
 */
static int vpc_nl_underlay_qos(struct vpc_pernet *pn, struct genl_info *info)
{
	static const int rates[VPC_PLANES] = { VPC_A_RATE, VPC_A_RATE1 };
	static const int reserves[VPC_PLANES] = { VPC_A_RESERVE, VPC_A_RESERVE1 };
	struct nlattr **tb = info->attrs;
	bool rate = false;
	int plane, ret;

	for (plane = 0; plane < VPC_PLANES; plane++)
		if (tb[rates[plane]] && nla_get_u64(tb[rates[plane]]))
			rate = true;
	mutex_lock(&pn->lock);
	if (rate) {
		ret = vpc_qos_devs_create(pn, info->extack);
		if (ret)
			goto out;
	}
	for (plane = 0; plane < VPC_PLANES; plane++) {
		if (tb[rates[plane]])
			pn->rate[plane] = nla_get_u64(tb[rates[plane]]);
		if (tb[reserves[plane]])
			pn->reserve[plane] = nla_get_u64(tb[reserves[plane]]);
	}
	vpc_pernet_changed(pn);
	ret = 0;
out:
	mutex_unlock(&pn->lock);
	return ret;
}

int vpc_nl_underlay_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	static const int attrs[VPC_PLANES] = { VPC_A_LOCAL, VPC_A_LOCAL1 };
	__be32 ip[VPC_PLANES] = { 0 };
	struct nlattr *fastpath;
	int plane, ret = 0;
	bool qos;

	for (plane = 0; plane < VPC_PLANES; plane++) {
		if (!info->attrs[attrs[plane]])
			continue;
		ip[plane] = vpc_nl_get_ip(info, attrs[plane]);
		if (!ip[plane])
			return -EINVAL;
	}
	fastpath = info->attrs[VPC_A_FASTPATH];
	qos = info->attrs[VPC_A_RATE] || info->attrs[VPC_A_RATE1] ||
	      info->attrs[VPC_A_RESERVE] || info->attrs[VPC_A_RESERVE1];
	if (!ip[0] && !ip[1] && !fastpath && !qos) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "nothing to set (local, local1, fastpath, rate or reserve)");
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
	/* Its devices first: they are all this can fail to make. */
	if (qos) {
		ret = vpc_nl_underlay_qos(pn, info);
		if (ret) {
			rtnl_unlock();
			return ret;
		}
	}
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

// SPDX-License-Identifier: GPL-2.0
/* Netlink: the state of the underlay paths to remote hosts, per plane. */
#include <net/sock.h>

#include "netlink.h"
#include "path.h"
#include "pernet.h"

static int vpc_path_fill(struct sk_buff *skb, __be32 host, u8 plane, u8 state,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vpc_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_in_addr(skb, VPC_A_HOST, host) ||
	    nla_put_u8(skb, VPC_A_PLANE, plane) ||
	    nla_put_u8(skb, VPC_A_PATH_STATE, state)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int vpc_nl_path_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct sk_buff *msg;
	__be32 host;
	u8 plane, state;
	int ret;

	if (vpc_nl_missing(info, VPC_A_HOST, "host underlay IP") ||
	    vpc_nl_missing(info, VPC_A_PLANE, "plane") ||
	    vpc_nl_missing(info, VPC_A_PATH_STATE, "path state"))
		return -EINVAL;
	host = vpc_nl_get_ip(info, VPC_A_HOST);
	if (!host)
		return -EINVAL;
	plane = nla_get_u8(info->attrs[VPC_A_PLANE]);
	state = nla_get_u8(info->attrs[VPC_A_PATH_STATE]);

	mutex_lock(&pn->lock);
	ret = vpc_path_set(pn, host, plane, state == VPC_PATH_DOWN);
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the path");
		goto out;
	}
	msg = vpc_nl_notify_alloc(pn);
	if (msg) {
		if (vpc_path_fill(msg, host, plane, state, 0, 0, 0,
				  VPC_CMD_PATH_SET, NULL))
			nlmsg_free(msg);
		else
			vpc_nl_notify_send(pn, msg);
	}
out:
	mutex_unlock(&pn->lock);
	return ret;
}

/*
 * Only paths marked down are listed, one message per host and plane.  The
 * cursor: cb->args[0] is the next host (host order), cb->args[1] the next
 * plane within it.
 */
int vpc_nl_path_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vpc_pernet *pn = vpc_pernet(sock_net(skb->sk));
	struct vpc_path *path;
	unsigned long index;
	int ret = 0;

	mutex_lock(&pn->lock);
	cb->seq = pn->gen;
	xa_for_each_start(&pn->paths, index, path, cb->args[0]) {
		if (index != cb->args[0]) {
			cb->args[0] = index;
			cb->args[1] = 0;
		}
		for (; cb->args[1] < VPC_PLANES; cb->args[1]++) {
			if (!test_bit(cb->args[1], &path->down))
				continue;
			ret = vpc_path_fill(skb, path->host, cb->args[1],
					    VPC_PATH_DOWN,
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    VPC_CMD_PATH_GET, cb);
			if (ret)
				goto out;
		}
	}
out:
	mutex_unlock(&pn->lock);
	return vpc_nl_dump_ret(skb, ret);
}

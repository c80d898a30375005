// SPDX-License-Identifier: GPL-2.0
/* Netlink: the state of the underlay paths to remote hosts, per plane. */
#include <net/sock.h>

#include "netlink.h"
#include "path.h"
#include "pernet.h"

/* What one message says: the state of the path to HOST on PLANE. */
struct vpc_nl_path_msg {
	__be32 host;
	u8 plane;
	u8 state;
};

static int vpc_path_put(struct sk_buff *skb, struct vpc_pernet *pn,
			const void *obj)
{
	const struct vpc_nl_path_msg *m = obj;

	if (nla_put_in_addr(skb, VPC_A_HOST, m->host) ||
	    nla_put_u8(skb, VPC_A_PLANE, m->plane) ||
	    nla_put_u8(skb, VPC_A_PATH_STATE, m->state))
		return -EMSGSIZE;
	return 0;
}

int vpc_nl_path_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_nl_path_msg msg;
	int ret;

	if (vpc_nl_missing(info, VPC_A_HOST, "host underlay IP") ||
	    vpc_nl_missing(info, VPC_A_PLANE, "plane") ||
	    vpc_nl_missing(info, VPC_A_PATH_STATE, "path state"))
		return -EINVAL;
	msg.host = vpc_nl_get_ip(info, VPC_A_HOST);
	if (!msg.host)
		return -EINVAL;
	msg.plane = nla_get_u8(info->attrs[VPC_A_PLANE]);
	msg.state = nla_get_u8(info->attrs[VPC_A_PATH_STATE]);

	mutex_lock(&pn->lock);
	ret = vpc_path_set(pn, msg.host, msg.plane, msg.state == VPC_PATH_DOWN);
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the path");
		goto out;
	}
	vpc_nl_notify_obj(pn, vpc_path_put, &msg, VPC_CMD_PATH_SET);
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
	struct vpc_nl_path_msg msg = { .state = VPC_PATH_DOWN };
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
			msg.host = path->host;
			msg.plane = cb->args[1];
			ret = vpc_nl_dump_obj(skb, cb, pn, vpc_path_put, &msg,
					      VPC_CMD_PATH_GET);
			if (ret)
				goto out;
		}
	}
out:
	mutex_unlock(&pn->lock);
	return vpc_nl_dump_ret(skb, ret);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The "cbs" generic netlink family: Documentation/netlink/specs/cbs.yaml.
 *
 * Block devices are global, so the family lives in the initial network
 * namespace only (as nbd's does): other namespaces do not see it.  The
 * sockets handed in may come from any namespace; each keeps its own.
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"

static struct genl_family cbs_genl_family;

enum cbs_mcgrp {
	CBS_MCGRP_NOTIFY_ID,
};

static const struct genl_multicast_group cbs_mcgrps[] = {
	[CBS_MCGRP_NOTIFY_ID] = { .name = CBS_MCGRP_NOTIFY },
};

static const struct nla_policy cbs_socket_policy[CBS_A_MAX + 1] = {
	[CBS_A_SOCKET_FD] = { .type = NLA_U32 },
};

static const struct nla_policy cbs_map_policy[CBS_A_MAX + 1] = {
	[CBS_A_NAME] = { .type = NLA_NUL_STRING, .len = CBS_NAME_MAXLEN - 1 },
	[CBS_A_SIZE] = { .type = NLA_U64 },
	[CBS_A_BLOCK_SIZE] = { .type = NLA_U32 },
	[CBS_A_SOCKETS] = NLA_POLICY_NESTED(cbs_socket_policy),
	[CBS_A_GENERATION] = { .type = NLA_U64 },
	[CBS_A_DEAD_TIMEOUT] = { .type = NLA_U32 },
};

static const struct nla_policy cbs_index_policy[CBS_A_MAX + 1] = {
	[CBS_A_INDEX] = { .type = NLA_U32 },
	[CBS_A_FORCE] = { .type = NLA_FLAG },
};

static const struct nla_policy cbs_reconfigure_policy[CBS_A_MAX + 1] = {
	[CBS_A_INDEX] = { .type = NLA_U32 },
	[CBS_A_SIZE] = { .type = NLA_U64 },
	[CBS_A_SOCKETS] = NLA_POLICY_NESTED(cbs_socket_policy),
	[CBS_A_DEAD_TIMEOUT] = { .type = NLA_U32 },
};

/* Changes create and destroy block devices: CAP_SYS_ADMIN, as for nbd. */
static int cbs_nl_pre_change(struct sk_buff *skb, struct genl_info *info)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack, "CAP_SYS_ADMIN is required");
		return -EPERM;
	}
	return 0;
}

static int cbs_nl_not_yet(struct sk_buff *skb, struct genl_info *info)
{
	int ret = cbs_nl_pre_change(skb, info);

	if (ret)
		return ret;
	NL_SET_ERR_MSG_MOD(info->extack, "volume mapping is not implemented yet");
	return -EOPNOTSUPP;
}

static int cbs_nl_status_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	/* No devices exist until MAP is implemented. */
	return 0;
}

static const struct genl_ops cbs_genl_ops[] = {
	{
		.cmd = CBS_CMD_MAP,
		.doit = cbs_nl_not_yet,
		.policy = cbs_map_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_UNMAP,
		.doit = cbs_nl_not_yet,
		.policy = cbs_index_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_RECONFIGURE,
		.doit = cbs_nl_not_yet,
		.policy = cbs_reconfigure_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_STATUS,
		.dumpit = cbs_nl_status_dumpit,
		.policy = cbs_index_policy,
		.maxattr = CBS_A_MAX,
	},
};

static struct genl_family cbs_genl_family __ro_after_init = {
	.name = CBS_GENL_NAME,
	.version = CBS_GENL_VERSION,
	.maxattr = CBS_A_MAX,
	.module = THIS_MODULE,
	.ops = cbs_genl_ops,
	.n_ops = ARRAY_SIZE(cbs_genl_ops),
	.resv_start_op = CBS_CMD_MAX + 1,
	.mcgrps = cbs_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cbs_mcgrps),
};

int cbs_genl_init(void)
{
	return genl_register_family(&cbs_genl_family);
}

void cbs_genl_exit(void)
{
	genl_unregister_family(&cbs_genl_family);
}

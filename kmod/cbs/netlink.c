// SPDX-License-Identifier: GPL-2.0
/*
 * The "cbs" generic netlink family: Documentation/netlink/specs/cbs.yaml.
 *
 * Block devices are global, so the family lives in the initial network
 * namespace only (as nbd's does): other namespaces do not see it.  The
 * sockets handed in may come from any namespace; each keeps its own.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "conn.h"
#include "dev.h"
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

/* Block device sizes are loff_t.  (The policy wants them writable.) */
static struct netlink_range_validation cbs_size_range = {
	.min = 1,
	.max = LLONG_MAX,
};

static struct netlink_range_validation cbs_index_range = {
	.max = INT_MAX,
};

#define CBS_INDEX_POLICY NLA_POLICY_FULL_RANGE(NLA_U32, &cbs_index_range)

static const struct nla_policy cbs_map_policy[CBS_A_MAX + 1] = {
	[CBS_A_NAME] = { .type = NLA_NUL_STRING, .len = CBS_NAME_MAXLEN - 1 },
	[CBS_A_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64, &cbs_size_range),
	[CBS_A_BLOCK_SIZE] = { .type = NLA_U32 },
	[CBS_A_SOCKETS] = NLA_POLICY_NESTED(cbs_socket_policy),
	[CBS_A_GENERATION] = NLA_POLICY_MIN(NLA_U64, 1),
	[CBS_A_DEAD_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[CBS_A_IO_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[CBS_A_SESSION] = { .type = NLA_U64 },
	[CBS_A_EPOCH] = { .type = NLA_U64 },
};

static const struct nla_policy cbs_unmap_policy[CBS_A_MAX + 1] = {
	[CBS_A_INDEX] = CBS_INDEX_POLICY,
	[CBS_A_FORCE] = { .type = NLA_FLAG },
};

static const struct nla_policy cbs_reconfigure_policy[CBS_A_MAX + 1] = {
	[CBS_A_INDEX] = CBS_INDEX_POLICY,
	[CBS_A_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64, &cbs_size_range),
	[CBS_A_SOCKETS] = NLA_POLICY_NESTED(cbs_socket_policy),
	[CBS_A_DEAD_TIMEOUT] = NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[CBS_A_EPOCH] = { .type = NLA_U64 },
};

static const struct nla_policy cbs_status_policy[CBS_A_MAX + 1] = {
	[CBS_A_INDEX] = CBS_INDEX_POLICY,
};

#define cbs_nl_missing(info, attr, msg) ({				\
	struct genl_info *__cinfo = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__cinfo, attr);		\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__cinfo->extack, "missing " msg);	\
	__missing;							\
})

/* Changes create and destroy block devices: CAP_SYS_ADMIN, as for nbd. */
static int cbs_nl_check_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack, "CAP_SYS_ADMIN is required");
		return -EPERM;
	}
	return 0;
}

static void cbs_nl_put_sockets(struct socket **socks, unsigned int n)
{
	while (n--)
		sockfd_put(socks[n]);
}

/* Look up the connected TCP sockets of a CBS_A_SOCKETS nest. */
static int cbs_nl_get_sockets(struct genl_info *info, struct socket **socks,
			      unsigned int *nsocks)
{
	struct nlattr *nest = info->attrs[CBS_A_SOCKETS];
	struct nlattr *attr;
	struct socket *sock;
	int rem, err;

	*nsocks = 0;
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != CBS_A_SOCKET_FD)
			continue;
		if (*nsocks == CBS_MAX_SOCKETS) {
			NL_SET_ERR_MSG_MOD(info->extack, "at most 16 sockets");
			err = -EINVAL;
			goto err;
		}
		sock = sockfd_lookup(nla_get_u32(attr), &err);
		if (!sock) {
			NL_SET_ERR_MSG_MOD(info->extack, "socket fd is not a socket");
			goto err;
		}
		if (sock->sk->sk_type != SOCK_STREAM ||
		    sock->sk->sk_protocol != IPPROTO_TCP ||
		    sock->state != SS_CONNECTED) {
			sockfd_put(sock);
			NL_SET_ERR_MSG_MOD(info->extack, "socket is not a connected TCP socket");
			err = -EINVAL;
			goto err;
		}
		socks[(*nsocks)++] = sock;
	}
	return 0;
err:
	NL_SET_BAD_ATTR(info->extack, attr);
	cbs_nl_put_sockets(socks, *nsocks);
	*nsocks = 0;
	return err;
}

static int cbs_nl_map(struct sk_buff *skb, struct genl_info *info)
{
	struct cbs_map_config cfg = {
		.dead_timeout = CBS_DEFAULT_DEAD_TIMEOUT,
		.io_timeout = CBS_DEFAULT_IO_TIMEOUT,
		.generation = 1,
	};
	struct nlattr *index_attr;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = cbs_nl_check_admin(skb, info);
	if (ret)
		return ret;
	if (cbs_nl_missing(info, CBS_A_NAME, "volume name") ||
	    cbs_nl_missing(info, CBS_A_SIZE, "size") ||
	    cbs_nl_missing(info, CBS_A_BLOCK_SIZE, "block size") ||
	    cbs_nl_missing(info, CBS_A_SOCKETS, "sockets"))
		return -EINVAL;
	cfg.name = nla_data(info->attrs[CBS_A_NAME]);
	cfg.size = nla_get_u64(info->attrs[CBS_A_SIZE]);
	cfg.block_size = nla_get_u32(info->attrs[CBS_A_BLOCK_SIZE]);
	if (cfg.block_size != 512 && cfg.block_size != 4096) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CBS_A_BLOCK_SIZE],
				    "block size must be 512 or 4096");
		return -EINVAL;
	}
	if (cfg.size % cfg.block_size) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CBS_A_SIZE],
				    "size must be a multiple of the block size");
		return -EINVAL;
	}
	if (info->attrs[CBS_A_GENERATION])
		cfg.generation = nla_get_u64(info->attrs[CBS_A_GENERATION]);
	if (info->attrs[CBS_A_SESSION])
		cfg.session = nla_get_u64(info->attrs[CBS_A_SESSION]);
	if (info->attrs[CBS_A_EPOCH])
		cfg.epoch = nla_get_u64(info->attrs[CBS_A_EPOCH]);
	if (info->attrs[CBS_A_DEAD_TIMEOUT])
		cfg.dead_timeout = nla_get_u32(info->attrs[CBS_A_DEAD_TIMEOUT]);
	if (info->attrs[CBS_A_IO_TIMEOUT])
		cfg.io_timeout = nla_get_u32(info->attrs[CBS_A_IO_TIMEOUT]);

	/*
	 * The whole reply is built before the device exists, so that nothing
	 * can fail once it does: a MAP that created a device reports it.
	 */
	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cbs_genl_family, 0, CBS_CMD_MAP);
	index_attr = hdr ? nla_reserve(msg, CBS_A_INDEX, sizeof(u32)) : NULL;
	if (!index_attr) {
		ret = -EMSGSIZE;
		goto err_msg;
	}
	genlmsg_end(msg, hdr);

	ret = cbs_nl_get_sockets(info, cfg.socks, &cfg.nsocks);
	if (ret)
		goto err_msg;
	if (!cfg.nsocks) {
		NL_SET_ERR_MSG_MOD(info->extack, "at least one socket is needed");
		ret = -EINVAL;
		goto err_msg;
	}
	ret = cbs_dev_create(&cfg, info->extack);
	if (ret < 0) {
		cbs_nl_put_sockets(cfg.socks, cfg.nsocks);
		goto err_msg;
	}
	/* The device owns the sockets now. */
	*(u32 *)nla_data(index_attr) = ret;
	return genlmsg_reply(msg, info);

err_msg:
	nlmsg_free(msg);
	return ret;
}

static int cbs_nl_unmap(struct sk_buff *skb, struct genl_info *info)
{
	int ret = cbs_nl_check_admin(skb, info);

	if (ret)
		return ret;
	if (cbs_nl_missing(info, CBS_A_INDEX, "device index"))
		return -EINVAL;
	ret = cbs_dev_remove(nla_get_u32(info->attrs[CBS_A_INDEX]),
			     nla_get_flag(info->attrs[CBS_A_FORCE]), info->extack);
	if (ret)
		NL_SET_BAD_ATTR(info->extack, info->attrs[CBS_A_INDEX]);
	return ret;
}

static int cbs_nl_reconfigure(struct sk_buff *skb, struct genl_info *info)
{
	struct socket *socks[CBS_MAX_SOCKETS];
	unsigned int nsocks = 0, dead_timeout = 0;
	u64 size = 0, epoch = 0;
	int ret;

	ret = cbs_nl_check_admin(skb, info);
	if (ret)
		return ret;
	if (cbs_nl_missing(info, CBS_A_INDEX, "device index"))
		return -EINVAL;
	if (info->attrs[CBS_A_SIZE])
		size = nla_get_u64(info->attrs[CBS_A_SIZE]);
	if (info->attrs[CBS_A_DEAD_TIMEOUT])
		dead_timeout = nla_get_u32(info->attrs[CBS_A_DEAD_TIMEOUT]);
	if (info->attrs[CBS_A_EPOCH])
		epoch = nla_get_u64(info->attrs[CBS_A_EPOCH]);
	if (info->attrs[CBS_A_SOCKETS]) {
		ret = cbs_nl_get_sockets(info, socks, &nsocks);
		if (ret)
			return ret;
	}
	ret = cbs_dev_reconfigure(nla_get_u32(info->attrs[CBS_A_INDEX]), socks,
				  nsocks, size, dead_timeout, epoch, info->extack);
	if (ret)
		cbs_nl_put_sockets(socks, nsocks);
	return ret;
}

static int cbs_nl_fill_stats(struct sk_buff *skb, struct cbs_device *dev)
{
	struct nlattr *nest = nla_nest_start(skb, CBS_A_STATS);

	if (!nest ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_READS,
			      atomic64_read(&dev->reads), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_WRITES,
			      atomic64_read(&dev->writes), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_READ_BYTES,
			      atomic64_read(&dev->read_bytes), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_WRITE_BYTES,
			      atomic64_read(&dev->write_bytes), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_ERRORS,
			      atomic64_read(&dev->errors), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_READ_NS,
			      atomic64_read(&dev->read_ns), CBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_STATS_WRITE_NS,
			      atomic64_read(&dev->write_ns), CBS_A_STATS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int cbs_nl_fill_dev(struct sk_buff *skb, struct cbs_device *dev,
			   u32 portid, u32 seq, int flags,
			   struct netlink_callback *cb)
{
	void *hdr;

	lockdep_assert_held(&cbs_devs_lock);
	hdr = genlmsg_put(skb, portid, seq, &cbs_genl_family, flags,
			  CBS_CMD_STATUS);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, CBS_A_INDEX, dev->index) ||
	    nla_put_string(skb, CBS_A_NAME, dev->name) ||
	    nla_put_u64_64bit(skb, CBS_A_SIZE, dev->size, CBS_A_PAD) ||
	    nla_put_u32(skb, CBS_A_BLOCK_SIZE, dev->block_size) ||
	    nla_put_u64_64bit(skb, CBS_A_GENERATION, dev->generation, CBS_A_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_SESSION, dev->session, CBS_A_PAD) ||
	    nla_put_u64_64bit(skb, CBS_A_EPOCH, dev->epoch, CBS_A_PAD) ||
	    nla_put_u32(skb, CBS_A_DEAD_TIMEOUT, dev->dead_timeout) ||
	    nla_put_u32(skb, CBS_A_IO_TIMEOUT, dev->tag_set.timeout / HZ) ||
	    nla_put_u32(skb, CBS_A_CONNS, dev->nconns) ||
	    nla_put_u32(skb, CBS_A_LIVE_CONNS, cbs_conn_live(dev)) ||
	    (test_bit(CBS_DEV_FENCED, &dev->flags) &&
	     nla_put_flag(skb, CBS_A_FENCED)) ||
	    cbs_nl_fill_stats(skb, dev)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int cbs_nl_status_reply(struct cbs_device *dev, void *data)
{
	struct genl_info *info = data;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = cbs_nl_fill_dev(msg, dev, info->snd_portid, info->snd_seq, 0,
			      NULL);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* One device, by index. */
static int cbs_nl_status_doit(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (cbs_nl_missing(info, CBS_A_INDEX, "device index"))
		return -EINVAL;
	ret = cbs_dev_call(nla_get_u32(info->attrs[CBS_A_INDEX]),
			   cbs_nl_status_reply, info, info->extack);
	if (ret == -ENOENT)
		NL_SET_BAD_ATTR(info->extack, info->attrs[CBS_A_INDEX]);
	return ret;
}

struct cbs_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	int only;		/* the one device asked for, or -1 for all */
};

static int cbs_nl_dump_one(struct cbs_device *dev, void *data)
{
	struct cbs_dump_ctx *ctx = data;

	if (ctx->only >= 0 && dev->index != ctx->only)
		return 0;
	return cbs_nl_fill_dev(ctx->skb, dev, NETLINK_CB(ctx->cb->skb).portid,
			       ctx->cb->nlh->nlmsg_seq, NLM_F_MULTI, ctx->cb);
}

/*
 * cb->args[0]: the next device index, so a dump resumes where it stopped;
 * cb->seq: the device table's change count, so a dump that spans a change
 * is flagged NLM_F_DUMP_INTR.  An index in the request limits the dump to
 * that device (none if it does not exist).
 */
static int cbs_nl_status_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct cbs_dump_ctx ctx = { skb, cb, -1 };
	int index = cb->args[0];
	unsigned int gen;
	int ret;

	if (info->attrs[CBS_A_INDEX])
		ctx.only = nla_get_u32(info->attrs[CBS_A_INDEX]);
	ret = cbs_dev_for_each(&index, &gen, cbs_nl_dump_one, &ctx);
	cb->seq = gen;
	cb->args[0] = index;
	if (ret && ret != -EMSGSIZE)
		return ret;
	return skb->len;
}

void cbs_nl_notify_link_dead(struct cbs_device *dev, unsigned int conn,
			     unsigned int live)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&cbs_genl_family, &init_net, CBS_MCGRP_NOTIFY_ID))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_NOIO);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &cbs_genl_family, 0, CBS_CMD_LINK_DEAD);
	if (!hdr || nla_put_u32(skb, CBS_A_INDEX, dev->index) ||
	    nla_put_string(skb, CBS_A_NAME, dev->name) ||
	    nla_put_u32(skb, CBS_A_CONN, conn) ||
	    nla_put_u32(skb, CBS_A_LIVE_CONNS, live)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&cbs_genl_family, skb, 0, CBS_MCGRP_NOTIFY_ID, GFP_NOIO);
}

void cbs_nl_notify_epoch(struct cbs_device *dev)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&cbs_devs_lock);
	if (!genl_has_listeners(&cbs_genl_family, &init_net, CBS_MCGRP_NOTIFY_ID))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &cbs_genl_family, 0, CBS_CMD_EPOCH);
	if (!hdr || nla_put_u32(skb, CBS_A_INDEX, dev->index) ||
	    nla_put_string(skb, CBS_A_NAME, dev->name) ||
	    nla_put_u64_64bit(skb, CBS_A_EPOCH, dev->epoch, CBS_A_PAD)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&cbs_genl_family, skb, 0, CBS_MCGRP_NOTIFY_ID, GFP_KERNEL);
}

static const struct genl_ops cbs_genl_ops[] = {
	{
		.cmd = CBS_CMD_MAP,
		.doit = cbs_nl_map,
		.policy = cbs_map_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_UNMAP,
		.doit = cbs_nl_unmap,
		.policy = cbs_unmap_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_RECONFIGURE,
		.doit = cbs_nl_reconfigure,
		.policy = cbs_reconfigure_policy,
		.maxattr = CBS_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CBS_CMD_STATUS,
		.doit = cbs_nl_status_doit,
		.dumpit = cbs_nl_status_dumpit,
		.policy = cbs_status_policy,
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

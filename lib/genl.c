// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "lib/genl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

struct family_query {
	const char *group;	/* when looking up a multicast group */
	uint16_t id;
	uint8_t version;
	uint32_t group_id;
};

static int ctrl_group_cb(const struct nlattr *attr, void *data)
{
	struct family_query *q = data;
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) <= CTRL_ATTR_MCAST_GRP_MAX)
			tb[mnl_attr_get_type(a)] = a;
	}
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), q->group))
		q->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int ctrl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_query *q = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	const struct nlattr *grp;

	genl_parse(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		q->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		q->version = (uint8_t)mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (q->group && tb[CTRL_ATTR_MCAST_GROUPS])
		mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS])
			ctrl_group_cb(grp, q);
	return MNL_CB_OK;
}

static int genl_query_family(struct genl_sock *gs, const char *family,
			     struct family_query *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint16_t saved = gs->family;
	struct nlmsghdr *nlh;
	int ret;

	gs->family = GENL_ID_CTRL;
	nlh = genl_msg(gs, buf, CTRL_CMD_GETFAMILY, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ret = genl_talk(gs, nlh, ctrl_family_cb, q);
	gs->family = saved;
	return ret;
}

int genl_open(struct genl_sock *gs, const char *family)
{
	struct family_query q = { 0 };
	int one = 1;
	int ret;

	memset(gs, 0, sizeof(*gs));
	gs->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	gs->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!gs->buf || !gs->nl) {
		ret = -errno;
		genl_close(gs);
		return ret ? ret : -ENOMEM;
	}
	mnl_socket_setsockopt(gs->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(gs->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		genl_close(gs);
		return ret;
	}
	gs->portid = mnl_socket_get_portid(gs->nl);
	gs->seq = (uint32_t)getpid() << 8;

	ret = genl_query_family(gs, family, &q);
	if (ret) {
		genl_close(gs);
		return ret;
	}
	gs->family = q.id;
	gs->version = q.version;
	return 0;
}

void genl_close(struct genl_sock *gs)
{
	if (gs->nl)
		mnl_socket_close(gs->nl);
	free(gs->buf);
	free(gs->pipe);
	gs->nl = NULL;
	gs->buf = NULL;
	gs->pipe = NULL;
}

struct nlmsghdr *genl_msg(struct genl_sock *gs, void *buf, uint8_t cmd,
			  uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	/*
	 * libmnl 1.0.4 (Debian 12) leaves the padding after an attribute
	 * unwritten: zeroed here, no byte of stack garbage goes to the kernel
	 * (and valgrind has nothing to report).
	 */
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = gs->family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++gs->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = gs->version ? gs->version : 1;
	return nlh;
}

/* Pull the kernel's extack message out of an error or ACK message. */
static void genl_save_extack(struct genl_sock *gs, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *attr;

	gs->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(err->msg);
	if (off >= nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
			snprintf(gs->extack, sizeof(gs->extack), "%s",
				 mnl_attr_get_str(attr));
			return;
		}
	}
}

/* mnl hands one pointer to every callback: carry the socket and the caller's. */
struct genl_run_ctx {
	struct genl_sock *gs;
	mnl_cb_t cb;
	void *data;
};

static int genl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_run_ctx *run = data;

	return run->cb ? run->cb(nlh, run->data) : MNL_CB_OK;
}

static int genl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_sock *gs = ((struct genl_run_ctx *)data)->gs;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	genl_save_extack(gs, nlh);
	if (err->error) {
		errno = -err->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int genl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *ret = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) && *ret < 0) {
		errno = -*ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

int genl_talk(struct genl_sock *gs, struct nlmsghdr *nlh, mnl_cb_t cb,
	      void *data)
{
	struct genl_run_ctx run = { gs, cb, data };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { 0 };
	uint32_t seq = nlh->nlmsg_seq;
	bool interrupted = false;
	struct nlmsghdr *m;
	int remaining;
	ssize_t len;
	int ret;

	ctl[NLMSG_ERROR] = genl_error_cb;
	ctl[NLMSG_DONE] = genl_done_cb;
	gs->extack[0] = '\0';
	if (mnl_socket_sendto(gs->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(gs->nl, gs->buf, MNL_SOCKET_BUFFER_SIZE);
		if (len < 0)
			return -errno;
		remaining = (int)len;
		for (m = (struct nlmsghdr *)gs->buf; mnl_nlmsg_ok(m, remaining);
		     m = mnl_nlmsg_next(m, &remaining))
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
		ret = mnl_cb_run2(gs->buf, (size_t)len, seq, gs->portid,
				  genl_data_cb, &run, ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			break;
	}
	return interrupted ? -EINTR : 0;
}

int genl_pipe_add(struct genl_sock *gs, struct nlmsghdr *nlh)
{
	struct nlmsghdr *queued;

	if (!gs->pipe) {
		gs->pipe = malloc(GENL_PIPE_BYTES);
		if (!gs->pipe)
			return -ENOMEM;
	}
	if (gs->pipe_count == GENL_PIPE_MAX ||
	    gs->pipe_len + nlh->nlmsg_len > GENL_PIPE_BYTES)
		return -ENOSPC;
	queued = (struct nlmsghdr *)(gs->pipe + gs->pipe_len);
	memcpy(queued, nlh, nlh->nlmsg_len);
	queued->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	/* Consecutive sequence numbers: an answer's number is its index. */
	if (!gs->pipe_count)
		gs->pipe_seq = nlh->nlmsg_seq;
	queued->nlmsg_seq = gs->pipe_seq + gs->pipe_count;
	gs->seq = queued->nlmsg_seq;
	gs->pipe_last = gs->pipe_len;
	gs->pipe_len += MNL_ALIGN(nlh->nlmsg_len);
	return (int)gs->pipe_count++;
}

bool genl_pipe_full(const struct genl_sock *gs)
{
	return gs->pipe_count == GENL_PIPE_MAX ||
	       gs->pipe_len + MNL_SOCKET_BUFFER_SIZE > GENL_PIPE_BYTES;
}

int genl_pipe_flush(struct genl_sock *gs, genl_fail_cb fail, void *data)
{
	struct nlmsghdr *last = (struct nlmsghdr *)(gs->pipe + gs->pipe_last);
	unsigned int count = gs->pipe_count, failed = 0;
	uint32_t first = gs->pipe_seq;
	const struct nlmsgerr *err;
	struct nlmsghdr *m;
	int remaining;
	ssize_t len;

	if (!count)
		return 0;
	/* The last one is always answered: its ACK says all are done. */
	last->nlmsg_flags |= NLM_F_ACK;
	gs->pipe_count = 0;
	gs->pipe_len = 0;
	if (mnl_socket_sendto(gs->nl, gs->pipe, (size_t)((char *)last - gs->pipe) +
			      last->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(gs->nl, gs->buf, MNL_SOCKET_BUFFER_SIZE);
		if (len < 0)
			return -errno;
		remaining = (int)len;
		for (m = (struct nlmsghdr *)gs->buf; mnl_nlmsg_ok(m, remaining);
		     m = mnl_nlmsg_next(m, &remaining)) {
			if (m->nlmsg_type != NLMSG_ERROR ||
			    m->nlmsg_len < mnl_nlmsg_size(sizeof(*err)) ||
			    m->nlmsg_seq - first >= count)
				return -EPROTO;
			err = mnl_nlmsg_get_payload(m);
			if (err->error) {
				genl_save_extack(gs, m);
				fail(m->nlmsg_seq - first, err->error, gs, data);
				failed++;
			}
			if (m->nlmsg_seq == last->nlmsg_seq)
				return (int)failed;
		}
	}
}

int genl_join(struct genl_sock *gs, const char *family, const char *group)
{
	struct family_query q = { .group = group };
	int ret;

	ret = genl_query_family(gs, family, &q);
	if (ret)
		return ret;
	if (!q.group_id)
		return -ENOENT;
	if (mnl_socket_setsockopt(gs->nl, NETLINK_ADD_MEMBERSHIP, &q.group_id,
				  sizeof(q.group_id)) < 0)
		return -errno;
	return 0;
}

int genl_open_pair(struct genl_sock *ctl, struct genl_sock *mon, const char *family,
		   const char *group)
{
	int ret = genl_open(ctl, family);

	if (ret)
		return ret;
	ret = genl_open(mon, family);
	if (ret) {
		genl_close(ctl);
		return ret;
	}
	ret = genl_join(mon, family, group);
	if (ret) {
		genl_close(ctl);
		genl_close(mon);
	}
	return ret;
}

struct parse_ctx {
	const struct nlattr **tb;
	unsigned int max;
};

static int genl_parse_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *p = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= p->max)
		p->tb[type] = attr;
	return MNL_CB_OK;
}

int genl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
	       unsigned int max)
{
	struct parse_ctx p = { tb, max };

	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), genl_parse_cb, &p);
}

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

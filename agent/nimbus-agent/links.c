// SPDX-License-Identifier: GPL-2.0
/*
 * The host namespace's network devices, over rtnetlink: a port is added
 * when the device its `ifname` names appears (the hypervisor creates it
 * for the VM), waits while it is absent, and leaves the kernel's model when
 * the device goes (vpc.ko drops a port with its device).  One socket,
 * joined to RTNLGRP_LINK, opened in the host's namespace; requests to bring
 * a device up go on it too, unanswered unless they fail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "lib/log.h"
#include "agent/nimbus-agent/agent.h"

int links_open(struct agent *a)
{
	unsigned int group = RTNLGRP_LINK;
	int rcvbuf = 4 << 20;

	a->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!a->rtnl)
		return -errno;
	/* Room for a hypervisor creating hundreds of devices at once. */
	if (setsockopt(mnl_socket_get_fd(a->rtnl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)))
		setsockopt(mnl_socket_get_fd(a->rtnl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(a->rtnl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(a->rtnl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		int ret = -errno;

		links_close(a);
		return ret;
	}
	return 0;
}

void links_close(struct agent *a)
{
	if (a->rtnl)
		mnl_socket_close(a->rtnl);
	a->rtnl = NULL;
	hmap_foreach(&a->links, i)
		free(a->links.e[i].val);
	hmap_free(&a->links);
}

/* The port of device NAME changed in some way: compare it at the next reconcile. */
static void touch(struct agent *a, const char *name)
{
	if (hmap_has(&a->want.ports, name) || hmap_has(&a->have.ports, name))
		hmap_put(&a->dirty.ports, name, (void *)1);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct agent *a = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const char *name = NULL;
	const struct ag_port *p;
	struct ag_link *l;

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(attr) == IFLA_IFNAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(attr);
	if (!name || strlen(name) >= IF_NAMESIZE)
		return MNL_CB_OK;
	l = hmap_get(&a->links, name);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (!l || l->ifindex != (uint32_t)ifi->ifi_index)
			return MNL_CB_OK;
		free(hmap_del(&a->links, name));
		/* vpc.ko dropped the port with its device; its QoS classes stay. */
		p = hmap_get(&a->have.ports, name);
		if (p && (ag_qos_any(&p->qos) || p->qos_unknown))
			a->dirty.qos_gc = true;
		ag_del(&a->have.ports, name);
		touch(a, name);
		return MNL_CB_OK;
	}
	/* A device renamed: forget it under its old name. */
	hmap_foreach(&a->links, i) {
		const struct ag_link *old = a->links.e[i].val;

		if (old->ifindex == (uint32_t)ifi->ifi_index && strcmp(a->links.e[i].key, name)) {
			char oldname[IF_NAMESIZE];

			snprintf(oldname, sizeof(oldname), "%s", a->links.e[i].key);
			free(hmap_del(&a->links, oldname));
			touch(a, oldname);
		}
	}
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			abort();
		hmap_put(&a->links, name, l);
	} else if (l->ifindex == (uint32_t)ifi->ifi_index &&
		   l->up == !!(ifi->ifi_flags & IFF_UP)) {
		return MNL_CB_OK;	/* nothing the agent looks at changed */
	}
	l->ifindex = (uint32_t)ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	touch(a, name);
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*err)) && err->error)
		nb_log("cannot bring a port's device up: %s", strerror(-err->error));
	return MNL_CB_OK;
}

/* The messages in BUF: link changes, and the failures of our requests. */
static void links_run(struct agent *a, const void *buf, size_t len)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };

	mnl_cb_run2(buf, len, 0, 0, link_cb, a, ctl, NLMSG_MIN_TYPE);
}

int links_read(struct agent *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	uint32_t seq = 1;
	ssize_t len;
	int ret = 0;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)len, seq, mnl_socket_get_portid(nl), link_cb, a);
		if (ret <= MNL_CB_STOP)
			break;
	}
	ret = ret < 0 || len < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

/*
 * Lost notifications: every device read again, and every port compared.
 * The kernel reports an overflow once, then drops silently until the queue
 * has been emptied: so the queue is drained before the dump, and a loss
 * after it is reported again.
 */
static void links_reread(struct agent *a)
{
	hmap_foreach(&a->links, i)
		free(a->links.e[i].val);
	hmap_free(&a->links);
	if (ag_in_netns(a, links_read))
		nb_log("cannot read the devices again: %m");
	a->dirty.all = true;
}

void links_notified(struct agent *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool lost = false;
	ssize_t len;

	for (;;) {
		len = recv(mnl_socket_get_fd(a->rtnl), buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS) {
			lost = true;
			continue;
		}
		if (len <= 0)
			break;
		links_run(a, buf, (size_t)len);
	}
	if (lost)
		links_reread(a);
}

int links_set_up(struct agent *a, uint32_t ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return mnl_socket_sendto(a->rtnl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

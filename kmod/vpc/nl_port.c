// SPDX-License-Identifier: GPL-2.0
/* Netlink: ports, the host netdevs of VM NICs. */
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/inetdevice.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "netlink.h"
#include "pernet.h"
#include "port.h"
#include "qos.h"
#include "stats.h"
#include "vip.h"
#include "vnet.h"

static int vpc_port_fill_addrs(struct sk_buff *skb, const struct vpc_port *port)
{
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < port->n_addrs; i++) {
		const struct vpc_port_addr *a = &port->addrs[i];

		nest = nla_nest_start(skb, VPC_A_ADDR);
		if (!nest ||
		    (a->ip6 ? nla_put_in6_addr(skb, VPC_ADDR_A_IP6, &a->key6.ip) :
			      nla_put_in_addr(skb, VPC_ADDR_A_IP4, a->key.ip)) ||
		    nla_put_u8(skb, VPC_ADDR_A_PLEN, a->plen))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* A pair's address, IPv4 or IPv6, into the nest being built. */
static int vpc_nl_put_allow_ip(struct sk_buff *skb, const struct in6_addr *ip)
{
	if (ipv6_addr_v4mapped(ip))
		return nla_put_in_addr(skb, VPC_ADDR_A_IP4, ip->s6_addr32[3]);
	return nla_put_in6_addr(skb, VPC_ADDR_A_IP6, ip);
}

static int vpc_port_fill_allows(struct sk_buff *skb, struct vpc_pernet *pn,
				const struct vpc_port *port)
{
	const struct vpc_allows *t;
	struct nlattr *nest;
	unsigned int i;

	t = rcu_dereference_protected(port->allows, lockdep_is_held(&pn->lock));
	for (i = 0; t && i < t->n; i++) {
		const struct vpc_allow *a = &t->e[i];

		nest = nla_nest_start(skb, VPC_A_ALLOW);
		if (!nest || vpc_nl_put_allow_ip(skb, &a->ip) ||
		    (a->has_mac && nla_put(skb, VPC_ADDR_A_MAC, ETH_ALEN, a->mac)))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int vpc_port_put(struct sk_buff *skb, struct vpc_pernet *pn,
			const void *obj)
{
	const struct vpc_port *port = obj;

	if (nla_put_u32(skb, VPC_A_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(skb, VPC_A_IFNAME, port->dev->name) ||
	    nla_put_u32(skb, VPC_A_NET_ID, port->vnet->id) ||
	    nla_put(skb, VPC_A_MAC, ETH_ALEN, port->mac) ||
	    vpc_port_fill_addrs(skb, port) ||
	    vpc_port_fill_allows(skb, pn, port) ||
	    nla_put_u32(skb, VPC_A_QOS_CLASS, port->qos_class) ||
	    nla_put_u8(skb, VPC_A_QOS_EGRESS, port->qos_egress) ||
	    nla_put_u8(skb, VPC_A_QOS_INGRESS, port->qos_ingress) ||
	    vpc_stats_fill_ranges(skb, port->stats, vpc_stats_port_ranges,
				  ARRAY_SIZE(vpc_stats_port_ranges)))
		return -EMSGSIZE;
	return 0;
}

void vpc_nl_port_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			u8 cmd)
{
	vpc_nl_notify_obj(pn, vpc_port_put, port, cmd);
}

/* An IPv4 address or prefix from the nest ATTR, checked, into A. */
static int vpc_nl_port_addr4(struct nlattr **tb, const struct nlattr *attr,
			     struct vpc_port_addr *a,
			     struct netlink_ext_ack *extack)
{
	__be32 ip = nla_get_in_addr(tb[VPC_ADDR_A_IP4]);
	u8 plen = tb[VPC_ADDR_A_PLEN] ? nla_get_u8(tb[VPC_ADDR_A_PLEN]) : 32;

	if (!vpc_nl_prefix4_ok(ip, plen, attr, tb[VPC_ADDR_A_PLEN], extack))
		return -EINVAL;
	a->key.ip = ip;
	a->plen = plen;
	return 0;
}

/* The same for IPv6: a host address (/128) or a prefix. */
static int vpc_nl_port_addr6(struct nlattr **tb, const struct nlattr *attr,
			     struct vpc_port_addr *a,
			     struct netlink_ext_ack *extack)
{
	struct in6_addr ip = nla_get_in6_addr(tb[VPC_ADDR_A_IP6]);
	u8 plen = tb[VPC_ADDR_A_PLEN] ? nla_get_u8(tb[VPC_ADDR_A_PLEN]) : 128;

	/* A prefix may be ::/0 (an appliance forwarding for anything). */
	if (!vpc_nl_prefix6_ok(&ip, plen, attr, tb[VPC_ADDR_A_PLEN], extack))
		return -EINVAL;
	a->ip6 = true;
	a->key6.ip = ip;
	a->plen = plen;
	return 0;
}

/* The VPC_A_ADDR attributes of a request, checked, into ADDRS. */
static int vpc_nl_port_addrs(struct genl_info *info,
			     struct vpc_port_addr *addrs, unsigned int *n)
{
	struct nlattr *tb[VPC_ADDR_A_MAX + 1];
	const struct nlattr *attr;
	int rem, ret;

	*n = 0;
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != VPC_A_ADDR)
			continue;
		if (*n == VPC_PORT_ADDRS_MAX) {
			NL_SET_ERR_MSG_MOD(info->extack, "too many addresses for one port");
			NL_SET_BAD_ATTR(info->extack, attr);
			return -EINVAL;
		}
		ret = vpc_nl_parse_addr(attr, tb, info->extack);
		if (ret)
			return ret;
		if (tb[VPC_ADDR_A_IP4])
			ret = vpc_nl_port_addr4(tb, attr, &addrs[*n], info->extack);
		else
			ret = vpc_nl_port_addr6(tb, attr, &addrs[*n], info->extack);
		if (ret)
			return ret;
		(*n)++;
	}
	if (!*n) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing port address");
		return -EINVAL;
	}
	return 0;
}

int vpc_nl_port_new(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct vpc_port_addr *addrs;
	struct net_device *dev;
	struct vpc_port *port;
	struct vpc_net *vnet;
	unsigned int n_addrs;
	const u8 *mac;
	int ret;

	if (vpc_nl_missing(info, VPC_A_NET_ID, "VPC id") ||
	    vpc_nl_missing(info, VPC_A_IFINDEX, "device") ||
	    vpc_nl_missing(info, VPC_A_MAC, "MAC address"))
		return -EINVAL;
	mac = vpc_nl_get_mac(info);
	if (!mac)
		return -EINVAL;
	addrs = kcalloc(VPC_PORT_ADDRS_MAX, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;
	ret = vpc_nl_port_addrs(info, addrs, &n_addrs);
	if (ret)
		goto out_free;

	rtnl_lock();
	mutex_lock(&pn->lock);
	dev = __dev_get_by_index(genl_info_net(info),
				 nla_get_u32(info->attrs[VPC_A_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such device in this namespace");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_IFINDEX]);
		ret = -ENODEV;
		goto out;
	}
	vnet = vpc_nl_get_net(pn, info);
	if (!vnet) {
		ret = -ENOENT;
		goto out;
	}
	port = vpc_port_add(pn, vnet, dev, mac, addrs, n_addrs, info->extack);
	ret = PTR_ERR_OR_ZERO(port);
	if (ret)
		goto out;
	vpc_nl_port_notify(pn, port, VPC_CMD_PORT_NEW);
out:
	mutex_unlock(&pn->lock);
	rtnl_unlock();
out_free:
	kfree(addrs);
	return ret;
}

/* The port a GET or DEL names, or NULL with an extack message. */
static void *vpc_nl_find_port(struct vpc_pernet *pn, struct genl_info *info)
{
	struct vpc_port *port;

	port = vpc_port_find(pn, nla_get_u32(info->attrs[VPC_A_IFINDEX]));
	if (!port) {
		NL_SET_ERR_MSG_MOD(info->extack, "the device is not a port");
		NL_SET_BAD_ATTR(info->extack, info->attrs[VPC_A_IFINDEX]);
	}
	return port;
}

static void vpc_nl_del_port(struct vpc_pernet *pn, void *port)
{
	vpc_port_del(pn, port);
}

int vpc_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (vpc_nl_missing(info, VPC_A_IFINDEX, "device"))
		return -EINVAL;

	rtnl_lock();
	ret = vpc_nl_del_obj(info, vpc_nl_find_port, vpc_port_put,
			     vpc_nl_del_port, VPC_CMD_PORT_DEL);
	rtnl_unlock();
	return ret;
}

int vpc_nl_port_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (vpc_nl_missing(info, VPC_A_IFINDEX, "device"))
		return -EINVAL;
	return vpc_nl_reply_obj(info, vpc_nl_find_port, vpc_port_put,
				VPC_CMD_PORT_GET);
}

/* cb->args[0]: the next ifindex to emit. */
int vpc_nl_port_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vpc_pernet *pn = vpc_pernet(sock_net(skb->sk));
	unsigned long ifindex;
	struct vpc_port *port;
	int ret = 0;

	mutex_lock(&pn->lock);
	cb->seq = pn->gen;
	xa_for_each_start(&pn->ports, ifindex, port, cb->args[0]) {
		ret = vpc_nl_dump_obj(skb, cb, pn, vpc_port_put, port,
				      VPC_CMD_PORT_GET);
		if (ret)
			break;
		cb->args[0] = ifindex + 1;
	}
	mutex_unlock(&pn->lock);
	return vpc_nl_dump_ret(skb, ret);
}

/*
 * The pair in the nest ATTR (VPC_A_ALLOW or VPC_A_DISALLOW) into A: one
 * IPv4 or IPv6 host address, and for an allow maybe its own MAC.
 */
static int vpc_nl_get_allow(struct genl_info *info, const struct nlattr *attr,
			    struct vpc_allow *a)
{
	struct nlattr *tb[VPC_ADDR_A_MAX + 1];
	int ret;

	ret = vpc_nl_get_host(attr, tb, &a->ip, info->extack);
	if (ret)
		return ret;
	if (tb[VPC_ADDR_A_MAC]) {
		if (nla_type(attr) != VPC_A_ALLOW ||
		    !is_valid_ether_addr(nla_data(tb[VPC_ADDR_A_MAC]))) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "not a unicast MAC address for an allowed pair");
			NL_SET_BAD_ATTR(info->extack, tb[VPC_ADDR_A_MAC]);
			return -EINVAL;
		}
		a->has_mac = true;
		ether_addr_copy(a->mac, nla_data(tb[VPC_ADDR_A_MAC]));
	}
	return 0;
}

/*
 * Classify the port's frames in its HTB class, or not, in the directions
 * the request names; the trees must exist (a plane's rate set) to turn one
 * on.  Checked before anything changes.
 */
static int vpc_nl_port_qos_check(struct vpc_pernet *pn, struct genl_info *info)
{
	static const int attrs[] = { VPC_A_QOS_EGRESS, VPC_A_QOS_INGRESS };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		struct nlattr *attr = info->attrs[attrs[i]];

		if (attr && nla_get_u8(attr) && !vpc_qos_devs_exist(pn)) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "no QoS trees: set a plane's rate first");
			NL_SET_BAD_ATTR(info->extack, attr);
			return -EINVAL;
		}
	}
	return 0;
}

static void vpc_nl_port_qos_set(struct vpc_port *port, struct genl_info *info)
{
	struct nlattr *egress = info->attrs[VPC_A_QOS_EGRESS];
	struct nlattr *ingress = info->attrs[VPC_A_QOS_INGRESS];

	if (egress)
		WRITE_ONCE(port->qos_egress, nla_get_u8(egress));
	if (ingress)
		WRITE_ONCE(port->qos_ingress, nla_get_u8(ingress));
}

/*
 * Allow or disallow an address pair (a VIP) on a port, and/or switch its
 * QoS classification.
 */
int vpc_nl_port_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vpc_pernet *pn = vpc_pernet(genl_info_net(info));
	struct nlattr *allow = info->attrs[VPC_A_ALLOW];
	struct nlattr *attr = allow ?: info->attrs[VPC_A_DISALLOW];
	bool qos = info->attrs[VPC_A_QOS_EGRESS] || info->attrs[VPC_A_QOS_INGRESS];
	struct vpc_allow a = { 0 };
	struct vpc_port *port;
	int ret;

	if (vpc_nl_missing(info, VPC_A_IFINDEX, "device"))
		return -EINVAL;
	if ((!attr && !qos) || (allow && info->attrs[VPC_A_DISALLOW])) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "give one of allow and disallow, or qos-egress or qos-ingress");
		return -EINVAL;
	}
	if (attr) {
		ret = vpc_nl_get_allow(info, attr, &a);
		if (ret)
			return ret;
	}

	mutex_lock(&pn->lock);
	port = vpc_nl_find_port(pn, info);
	if (!port) {
		ret = -ENOENT;
		goto out;
	}
	ret = vpc_nl_port_qos_check(pn, info);
	if (ret)
		goto out;
	if (allow)
		ret = vpc_port_allow(pn, port, &a, info->extack);
	else if (attr)
		ret = vpc_port_disallow(pn, port, &a.ip, info->extack);
	if (ret == -ENOMEM)
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory for the address pair");
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, attr);
		goto out;
	}
	vpc_nl_port_qos_set(port, info);
	vpc_pernet_changed(pn);
	vpc_nl_port_notify(pn, port, VPC_CMD_PORT_SET);
out:
	mutex_unlock(&pn->lock);
	return ret;
}

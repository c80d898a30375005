/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_NETLINK_H
#define _VPC_NETLINK_H

#include <linux/vpc.h>
#include <net/genetlink.h>

struct in6_addr;
struct vpc_pernet;
struct vpc_net;
struct vpc_port;

enum vpc_mcgrp {
	VPC_MCGRP_NOTIFY_ID,
};

int vpc_genl_init(void);
void vpc_genl_exit(void);

/* Shared by the per-object handlers (nl_*.c). */
extern struct genl_family vpc_genl_family;

/* Every rejection explains itself; GENL_REQ_ATTR_CHECK only names the type. */
#define vpc_nl_missing(info, attr, msg) ({				\
	struct genl_info *__vinfo = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__vinfo, attr);		\
	if (__missing)							\
		NL_SET_ERR_MSG_MOD(__vinfo->extack, "missing " msg);	\
	__missing;							\
})

/* The VPC named by VPC_A_NET_ID, or NULL with an extack message. */
struct vpc_net *vpc_nl_get_net(struct vpc_pernet *pn, struct genl_info *info);
/*
 * Addresses, one validator per family, used for every attribute that
 * carries one: whether IP (from ATTR) may be a VM's, a gateway's, a next
 * hop's or a host's address; else an extack message.
 */
bool vpc_nl_ip4_ok(__be32 ip, const struct nlattr *attr,
		   struct netlink_ext_ack *extack);
/* A unicast IPv4 address in ATTR, or 0 with an extack message. */
__be32 vpc_nl_get_ip(struct genl_info *info, int attr);
/* Whether IP/PLEN is a prefix of the family (the default one too). */
bool vpc_nl_prefix4_ok(__be32 ip, u8 plen, const struct nlattr *attr,
		       const struct nlattr *plen_attr,
		       struct netlink_ext_ack *extack);
bool vpc_nl_prefix6_ok(const struct in6_addr *ip, u8 plen,
		       const struct nlattr *attr,
		       const struct nlattr *plen_attr,
		       struct netlink_ext_ack *extack);
/* The unicast MAC address in VPC_A_MAC, or NULL with an extack message. */
const u8 *vpc_nl_get_mac(struct genl_info *info);
bool vpc_nl_ip6_ok(const struct in6_addr *ip, const struct nlattr *attr,
		   struct netlink_ext_ack *extack);
/*
 * The address nest ATTR (VPC_ADDR_A_*) into TB: exactly one IPv4 or one
 * IPv6 address, else an extack message.
 */
int vpc_nl_parse_addr(const struct nlattr *attr, struct nlattr **tb,
		      struct netlink_ext_ack *extack);
/*
 * The address nest ATTR as one host address IP (IPv4 v4-mapped), checked
 * by its family's validator; TB keeps the nest's other attributes.
 */
int vpc_nl_get_host(const struct nlattr *attr, struct nlattr **tb,
		    struct in6_addr *ip, struct netlink_ext_ack *extack);

/*
 * Messages about one object.  PUT puts the attributes of OBJ, one kind of
 * object; these helpers add the header, the dump consistency check and the
 * cancel on failure.  PUT runs under pn->lock: the GET and DEL helpers take
 * it, the notify and dump ones need it held.
 */
/* To the notification group; nothing when nobody listens in this netns. */
void vpc_nl_notify_obj(struct vpc_pernet *pn,
		       int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
				  const void *obj),
		       const void *obj, u8 cmd);
/* The reply to a GET: FIND returns the object, or NULL with an extack. */
int vpc_nl_reply_obj(struct genl_info *info,
		     void *(*find)(struct vpc_pernet *pn, struct genl_info *info),
		     int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
				const void *obj),
		     u8 cmd);
/* A DEL: FIND as for a GET; listeners hear of OBJ before DEL frees it. */
int vpc_nl_del_obj(struct genl_info *info,
		   void *(*find)(struct vpc_pernet *pn, struct genl_info *info),
		   int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
			      const void *obj),
		   void (*del)(struct vpc_pernet *pn, void *obj), u8 cmd);
/* One message of a dump. */
int vpc_nl_dump_obj(struct sk_buff *skb, struct netlink_callback *cb,
		    struct vpc_pernet *pn,
		    int (*put)(struct sk_buff *skb, struct vpc_pernet *pn,
			       const void *obj),
		    const void *obj, u8 cmd);

/*
 * A dump of objects kept per VPC (VPC_A_NET_ID limits it to one): DUMP_NET
 * puts those of VNET, resuming from its own cursor in cb->args[1] and up,
 * which is zeroed when the dump moves to the next VPC (cb->args[0]).
 */
int vpc_nl_dump_per_net(struct sk_buff *skb, struct netlink_callback *cb,
			int (*dump_net)(struct sk_buff *skb,
					struct netlink_callback *cb,
					struct vpc_pernet *pn,
					struct vpc_net *vnet, const void *arg),
			const void *arg);

/* Also for ports that go away with their netdev (device.c). */
void vpc_nl_port_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			u8 cmd);

/*
 * Events of the packet path (nl_event.c), in softirq: a VIP claimed by
 * PORT's VM with MAC, and a miss of PORT for IP (IPv4 as ::ffff:a.b.c.d).
 */
void vpc_nl_claim_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			 const struct in6_addr *ip, const u8 *mac);
void vpc_nl_miss_notify(struct vpc_pernet *pn, const struct vpc_port *port,
			const struct in6_addr *ip);

/* Handlers, one file per object. */
int vpc_nl_underlay_set(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_underlay_get(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_port_new(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_port_del(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_port_get_doit(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_port_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vpc_nl_port_set(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_map_new(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_map_del(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_map_get_doit(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_map_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vpc_nl_subnet_new(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_subnet_del(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_subnet_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vpc_nl_subnet_set(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_route_new(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_route_del(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_route_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vpc_nl_path_set(struct sk_buff *skb, struct genl_info *info);
int vpc_nl_path_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* The end of a dump round: a full skb is not an error. */
static inline int vpc_nl_dump_ret(struct sk_buff *skb, int ret)
{
	return ret == -EMSGSIZE ? skb->len : ret ?: skb->len;
}

#endif /* _VPC_NETLINK_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_PERNET_H
#define _VPC_PERNET_H

#include <linux/mutex.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* Everything vpc.ko knows lives in one of these per network namespace. */
struct vpc_pernet {
	struct net *net;
	struct mutex lock;	/* serialises every change in this netns */
	struct xarray nets;	/* VPC id -> struct vpc_net; RCU for readers */
	u32 gen;		/* bumped on every change; dumps check it */
};

extern unsigned int vpc_pernet_id;

static inline struct vpc_pernet *vpc_pernet(const struct net *net)
{
	return net_generic(net, vpc_pernet_id);
}

static inline void vpc_pernet_changed(struct vpc_pernet *pn)
{
	lockdep_assert_held(&pn->lock);
	pn->gen++;
}

int vpc_pernet_init(void);
void vpc_pernet_exit(void);

#endif /* _VPC_PERNET_H */

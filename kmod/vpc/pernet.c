// SPDX-License-Identifier: GPL-2.0
/* Per-network-namespace state: each simulated or real host is one netns. */
#include "pernet.h"
#include "vnet.h"

unsigned int vpc_pernet_id __read_mostly;

static int __net_init vpc_pernet_net_init(struct net *net)
{
	struct vpc_pernet *pn = vpc_pernet(net);

	pn->net = net;
	mutex_init(&pn->lock);
	xa_init(&pn->nets);
	return 0;
}

static void __net_exit vpc_pernet_net_exit(struct net *net)
{
	struct vpc_pernet *pn = vpc_pernet(net);

	mutex_lock(&pn->lock);
	vpc_net_flush(pn);
	mutex_unlock(&pn->lock);
	xa_destroy(&pn->nets);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations vpc_pernet_ops = {
	.init = vpc_pernet_net_init,
	.exit = vpc_pernet_net_exit,
	.id = &vpc_pernet_id,
	.size = sizeof(struct vpc_pernet),
};

int vpc_pernet_init(void)
{
	return register_pernet_subsys(&vpc_pernet_ops);
}

void vpc_pernet_exit(void)
{
	unregister_pernet_subsys(&vpc_pernet_ops);
}

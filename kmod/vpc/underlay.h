/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPC_UNDERLAY_H
#define _VPC_UNDERLAY_H

#include <linux/netdevice.h>
#include <net/netlink.h>

#include "pernet.h"

/*
 * The GRE hook: vpc.ko creates one collect_md gretap device per netns
 * (VPC_GRE_IFNAME), is its rx_handler, and sends through it with tunnel
 * metadata.  Documentation/vpc.md says why.
 */
/*
 * Take GRE off the underlay devices before IP (ON), or leave it all to
 * ip_gre and the GRE device; under RTNL.  Off by default: vpc.md says why.
 */
void vpc_underlay_set_fastpath(struct vpc_pernet *pn, bool on);
/* Load ip_gre if need be; call without locks before vpc_underlay_set(). */
int vpc_underlay_prepare(void);
/* Under RTNL; takes pn->lock. */
int vpc_underlay_set(struct vpc_pernet *pn, unsigned int plane, __be32 ip,
		     struct netlink_ext_ack *extack);
/*
 * The GRE device is being unregistered by someone else: let go of it.
 * Under RTNL, without pn->lock; so is the teardown.
 */
void vpc_underlay_gre_gone(struct vpc_pernet *pn, struct net_device *dev);
/*
 * DEV is going away or getting a master (bridge, bond): stop taking GRE
 * off it, so that the master can have its rx_handler.
 */
void vpc_underlay_dev_release(struct vpc_pernet *pn, struct net_device *dev);
/* Delete the GRE device, if any, on netns exit or module unload. */
void vpc_underlay_teardown(struct vpc_pernet *pn);

#endif /* _VPC_UNDERLAY_H */

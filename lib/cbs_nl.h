/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cbs.ko's netlink attributes (Documentation/netlink/specs/cbs.yaml) as the
 * cbs command and nimbus-agent build and read them.
 */
#ifndef NIMBUS_CBS_NL_H
#define NIMBUS_CBS_NL_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/cbs.h>

/* CBS_A_SOCKETS: a nest of one CBS_A_SOCKET_FD per socket of FDS[0..N-1]. */
void cbs_nl_put_sockets(struct nlmsghdr *nlh, const int *fds, unsigned int n);

/* Counter TYPE (enum cbs_stats_attr) of a CBS_A_STATS nest; 0 if absent. */
uint64_t cbs_nl_stat(const struct nlattr *nest, uint16_t type);

#endif /* NIMBUS_CBS_NL_H */

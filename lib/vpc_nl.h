/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vpc.ko's netlink attributes (Documentation/netlink/specs/vpc.yaml) as the
 * vpc command and nimbus-agent build and read them: address nests, the key
 * of a mapping, the names of the counters.
 */
#ifndef NIMBUS_VPC_NL_H
#define NIMBUS_VPC_NL_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/vpc.h>

#include "lib/addr.h"

/*
 * A nested address attribute (enum vpc_addr_attr) of type TYPE: IP and
 * PLEN; reading one without a plen gives the host length (32, 128).
 */
void vpc_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct nb_addr *ip,
		  uint8_t plen);
int vpc_get_addr(const struct nlattr *nest, struct nb_addr *ip, uint8_t *plen);

/*
 * An address pair nest (VPC_A_ALLOW or VPC_A_DISALLOW): one address, no
 * plen, and the pair's own MAC when MAC is not NULL (allow only).
 */
void vpc_put_pair(struct nlmsghdr *nlh, uint16_t type, const struct nb_addr *ip,
		  const uint8_t *mac);
/* The MAC of an address pair nest into MAC: 1, or 0 when it has none. */
int vpc_get_pair_mac(const struct nlattr *nest, uint8_t mac[6]);

/* A mapping's key address: VPC_A_IP (IPv4) or VPC_A_IP6. */
void vpc_put_ip(struct nlmsghdr *nlh, const struct nb_addr *ip);

/* "rx_packets", "drop_spoof_mac" ...: the name of counter TYPE, or NULL. */
const char *vpc_stat_name(unsigned int type);

#endif /* NIMBUS_VPC_NL_H */

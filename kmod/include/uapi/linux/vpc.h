/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Generic netlink family "vpc": per-host VPC networking over GRE.
 * The contract is Documentation/netlink/specs/vpc.yaml.
 */
#ifndef _UAPI_LINUX_VPC_H
#define _UAPI_LINUX_VPC_H

#define VPC_GENL_NAME		"vpc"
#define VPC_GENL_VERSION	1
#define VPC_MCGRP_NOTIFY	"notify"

/* VPC ids are GRE keys; 0 is reserved, ids stay below 2^24. */
#define VPC_NET_ID_MIN		1
#define VPC_NET_ID_MAX		0xffffffU
#define VPC_NAME_MAXLEN		32	/* including the terminating NUL */

/* Underlay planes: 0 = business network, 1 = storage network. */
#define VPC_PLANE_MAX		1
#define VPC_PLANES		(VPC_PLANE_MAX + 1)

/* Allowed source addresses (or prefixes) of one port. */
#define VPC_PORT_ADDRS_MAX	16

/* Allowed address pairs (VIPs) of one port. */
#define VPC_PORT_ALLOWS_MAX	8

/* Subnets and user routes of one VPC. */
#define VPC_SUBNETS_MAX		64
#define VPC_ROUTES_MAX		64

/* DNS servers (IPv4 and IPv6 together) and search domain of one subnet. */
#define VPC_DNS_MAX		4
#define VPC_DOMAIN_MAXLEN	64	/* including the terminating NUL */

/*
 * The distributed router's MAC in a VPC: 02:76:70 ("vp", locally
 * administered unicast) then the 24-bit VPC id, the same on every host.
 */
#define VPC_GW_MAC_OUI0		0x02
#define VPC_GW_MAC_OUI1		0x76
#define VPC_GW_MAC_OUI2		0x70

/* The collect_md gretap device vpc.ko creates in each namespace it serves. */
#define VPC_GRE_IFNAME		"vpc-gre"

/*
 * QoS (Documentation/vpc.md): HTB trees with this major handle on each
 * underlay device (egress), on VPC_QOS_INGRESS_IFNAME (ingress) and on
 * VPC_QOS_LOCAL_IFNAME (egress to ports of the same host); vpc.ko creates
 * the last two when a plane's rate is first set.  Class minors: the root,
 * the host's own traffic (the default class), then one per port.
 */
#define VPC_QOS_MAJOR		0x7670U
#define VPC_QOS_ROOT_MINOR	1
#define VPC_QOS_HOST_MINOR	2
#define VPC_QOS_PORT_MINOR_MIN	0x10
#define VPC_QOS_PORT_MINOR_MAX	0xfffe
#define VPC_QOS_INGRESS_IFNAME	"vpc-ingress"
#define VPC_QOS_LOCAL_IFNAME	"vpc-local"

enum vpc_cmd {
	VPC_CMD_UNSPEC,
	VPC_CMD_NET_NEW,
	VPC_CMD_NET_DEL,
	VPC_CMD_NET_GET,
	VPC_CMD_UNDERLAY_SET,
	VPC_CMD_UNDERLAY_GET,
	VPC_CMD_PORT_NEW,
	VPC_CMD_PORT_DEL,
	VPC_CMD_PORT_GET,
	VPC_CMD_MAP_NEW,	/* NLM_F_REPLACE: create or update */
	VPC_CMD_MAP_DEL,
	VPC_CMD_MAP_GET,
	VPC_CMD_SUBNET_NEW,
	VPC_CMD_SUBNET_DEL,
	VPC_CMD_SUBNET_GET,
	VPC_CMD_ROUTE_NEW,
	VPC_CMD_ROUTE_DEL,
	VPC_CMD_ROUTE_GET,
	VPC_CMD_PATH_SET,
	VPC_CMD_PATH_GET,
	VPC_CMD_PORT_SET,	/* allow or disallow an address pair (VIP) */
	VPC_CMD_SUBNET_SET,	/* a subnet's DNS servers and domain */
	VPC_CMD_CLAIM,		/* notification: a local port claimed a VIP */
	VPC_CMD_MISS,		/* notification: a port sent to an unknown address */

	__VPC_CMD_MAX,
	VPC_CMD_MAX = __VPC_CMD_MAX - 1
};

enum vpc_attr {
	VPC_A_UNSPEC,
	VPC_A_NET_ID,		/* u32 */
	VPC_A_NET_NAME,		/* string */
	VPC_A_LOCAL,		/* be32: this host's plane-0 underlay IPv4 */
	VPC_A_LOCAL1,		/* be32: its plane-1 underlay IPv4 */
	VPC_A_IFINDEX,		/* u32: the host netdev of a port */
	VPC_A_IFNAME,		/* string: its name, in replies */
	VPC_A_MAC,		/* binary, 6 bytes */
	VPC_A_ADDR,		/* nested vpc_addr_attr; may repeat */
	VPC_A_IP,		/* be32: a VM's IPv4 address (mapping key) */
	VPC_A_HOST,		/* be32: plane-0 underlay IPv4 of a remote host */
	VPC_A_HOST1,		/* be32: its plane-1 underlay IPv4 */
	VPC_A_STATS,		/* nested vpc_stats_attr, in replies */
	VPC_A_PREFIX,		/* nested vpc_addr_attr: a subnet or route */
	VPC_A_GW,		/* nested vpc_addr_attr: a subnet's gateway IP */
	VPC_A_VIA,		/* nested vpc_addr_attr: a route's next hop */
	VPC_A_PLANE,		/* u8: underlay plane, 0..VPC_PLANE_MAX */
	VPC_A_PATH_STATE,	/* u8: enum vpc_path_state */
	VPC_A_IP6,		/* binary, 16 bytes: a VM's IPv6 (mapping key) */
	VPC_A_ALLOW,		/* nested vpc_addr_attr (+ mac): an address pair */
	VPC_A_DISALLOW,		/* nested vpc_addr_attr: the pair to remove */
	VPC_A_DNS,		/* nested vpc_addr_attr: a DNS server; may repeat */
	VPC_A_DOMAIN,		/* string: a subnet's DNS search domain */
	VPC_A_FASTPATH,		/* u8: 1 = take GRE off the underlay device */
	VPC_A_PAD,
	VPC_A_RATE,		/* u64: plane 0's link capacity, bytes/s */
	VPC_A_RATE1,		/* u64: plane 1's */
	VPC_A_RESERVE,		/* u64: host traffic's share of plane 0, bytes/s */
	VPC_A_RESERVE1,		/* u64: of plane 1 */
	VPC_A_QOS_CLASS,	/* u32: a port's class (TC handle), in replies */
	VPC_A_QOS_EGRESS,	/* u8: 1 = frames from the VM go to its class */
	VPC_A_QOS_INGRESS,	/* u8: 1 = frames to the VM go to its class */

	__VPC_A_MAX,
	VPC_A_MAX = __VPC_A_MAX - 1
};

/* The state of the underlay path to a remote host on one plane. */
enum vpc_path_state {
	VPC_PATH_UP,
	VPC_PATH_DOWN,
};

/* An allowed source of a port: an IPv4 or IPv6 address or prefix. */
enum vpc_addr_attr {
	VPC_ADDR_A_UNSPEC,
	VPC_ADDR_A_IP4,		/* be32 */
	VPC_ADDR_A_PLEN,	/* u8: 0..32 (IPv4), 0..128 (IPv6); host if absent */
	VPC_ADDR_A_IP6,		/* binary, 16 bytes */
	VPC_ADDR_A_MAC,		/* binary, 6 bytes: an address pair's own MAC */

	__VPC_ADDR_A_MAX,
	VPC_ADDR_A_MAX = __VPC_ADDR_A_MAX - 1
};

/*
 * Counters, all u64.  Ports report the first group and the last (rx =
 * frames from the VM, tx = frames to it); the underlay reports the GRE
 * group, for frames that reached this host from the underlay; a VPC
 * reports its ports' sums and the GRE group of its own GRE receive.
 */
enum vpc_stats_attr {
	VPC_STATS_A_UNSPEC,
	VPC_STATS_A_PAD,
	VPC_STATS_A_RX_PACKETS,
	VPC_STATS_A_RX_BYTES,
	VPC_STATS_A_TX_PACKETS,
	VPC_STATS_A_TX_BYTES,
	VPC_STATS_A_ENCAP_PACKETS,	/* sent to another host in GRE */
	VPC_STATS_A_ARP_REPLIES,	/* ARP requests answered locally */
	VPC_STATS_A_DROP_SPOOF_MAC,
	VPC_STATS_A_DROP_SPOOF_IP,
	VPC_STATS_A_DROP_ARP,		/* ARP for an address nobody has */
	VPC_STATS_A_DROP_NO_DEST,	/* no port or mapping for the target */
	VPC_STATS_A_DROP_NO_UNDERLAY,	/* no local plane-0 underlay IP */
	VPC_STATS_A_DROP_UNSUPPORTED,	/* broadcast, multicast, not IPv4 */
	VPC_STATS_A_DROP_MALFORMED,
	VPC_STATS_A_GRE_RX_PACKETS,
	VPC_STATS_A_GRE_RX_BYTES,
	VPC_STATS_A_GRE_DROP_UNKNOWN_KEY,
	VPC_STATS_A_GRE_DROP_UNKNOWN_SOURCE,
	VPC_STATS_A_GRE_DROP_NO_PORT,
	VPC_STATS_A_GRE_DROP_MALFORMED,
	VPC_STATS_A_ROUTED_PACKETS,	/* forwarded by the distributed router */
	VPC_STATS_A_DROP_TTL,		/* routed with TTL <= 1 */
	VPC_STATS_A_DROP_NO_PATH,	/* every plane to the host is down */
	VPC_STATS_A_GW_ECHO_REPLIES,	/* pings of a gateway IP answered */
	VPC_STATS_A_ND_REPLIES,		/* neighbour solicitations answered */
	VPC_STATS_A_DROP_ND,		/* other neighbour discovery */
	VPC_STATS_A_TOO_BIG,		/* answered with ICMP frag-needed/too-big */
	VPC_STATS_A_DROP_RATELIMIT,	/* answers withheld by the rate limit */
	VPC_STATS_A_DHCP_REPLIES,	/* DHCPv4 offers, acks and naks sent */
	VPC_STATS_A_RA_REPLIES,		/* router advertisements sent */
	VPC_STATS_A_DHCP6_REPLIES,	/* DHCPv6 advertises and replies sent */
	VPC_STATS_A_CLAIMS,		/* VIPs claimed by the port's VM */
	VPC_STATS_A_MISSES,		/* miss events announced */

	__VPC_STATS_A_MAX,
	VPC_STATS_A_MAX = __VPC_STATS_A_MAX - 1
};

#define VPC_STATS_PORT_FIRST	VPC_STATS_A_RX_PACKETS
#define VPC_STATS_PORT_LAST	VPC_STATS_A_DROP_MALFORMED
#define VPC_STATS_GRE_FIRST	VPC_STATS_A_GRE_RX_PACKETS
#define VPC_STATS_GRE_LAST	VPC_STATS_A_GRE_DROP_MALFORMED
/* Ports also report these; a VPC reports its ports' sums and its GRE receive. */
#define VPC_STATS_PORT2_FIRST	VPC_STATS_A_ROUTED_PACKETS
#define VPC_STATS_PORT2_LAST	VPC_STATS_A_MISSES

#endif /* _UAPI_LINUX_VPC_H */

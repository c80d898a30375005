/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv4/IPv6 addresses, prefixes and MACs as the commands and the controller
 * parse, check and print them.  Addresses are in network order.  Text forms
 * are canonical (inet_ntop), so two spellings of one address compare equal
 * as strings once formatted.  Parsers return 0 or -EINVAL.
 */
#ifndef NIMBUS_ADDR_H
#define NIMBUS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
#define NB_PREFIX_STRLEN (NB_ADDR_STRLEN + 4)
#define NB_MAC_STRLEN 18

struct nb_addr {
	int family;			/* AF_INET or AF_INET6; 0: none */
	unsigned char b[16];		/* AF_INET: b[0..3] */
};

struct nb_prefix {
	struct nb_addr addr;
	int plen;
};

int nb_addr_bits(int family);
/* An IPv4 or IPv6 address. */
int nb_addr_parse(const char *s, struct nb_addr *a);
/* An IPv4 address only, as a 32-bit value in network order. */
int nb_addr_parse4(const char *s, uint32_t *be);
/* Each returns BUF, or "?" for what is no address (an IPv6 one needs NB_ADDR_STRLEN). */
const char *nb_addr_fmt(const struct nb_addr *a, char *buf, size_t len);
const char *nb_addr_fmt4(uint32_t be, char *buf, size_t len);
const char *nb_addr_fmt6(const void *in6, char *buf, size_t len);
bool nb_addr_eq(const struct nb_addr *a, const struct nb_addr *b);
/* "ADDR/PLEN"; a bare "ADDR" only if BARE_OK, as a host prefix (/32, /128). */
int nb_prefix_parse(const char *s, struct nb_prefix *p, bool bare_ok);
void nb_prefix_fmt(const struct nb_prefix *p, char *buf, size_t len);
/* No bit set beyond plen. */
bool nb_prefix_canonical(const struct nb_prefix *p);
bool nb_prefix_contains(const struct nb_prefix *p, const struct nb_addr *a);
bool nb_prefix_overlap(const struct nb_prefix *a, const struct nb_prefix *b);
/* Addresses in P, capped at UINT64_MAX (an IPv6 /64 and wider). */
uint64_t nb_prefix_size(const struct nb_prefix *p);
/* The Nth address of P (N < nb_prefix_size(P)), and back. */
void nb_prefix_nth(const struct nb_prefix *p, uint64_t n, struct nb_addr *out);
uint64_t nb_prefix_index(const struct nb_prefix *p, const struct nb_addr *a);

/*
 * "IPv4:PORT" or "[IPv6]:PORT", PORT 0..65535: the strict form of the
 * controller's API and options (lib/sock.h's nb_sock_resolve() also takes
 * an IPv6 address without brackets, as the cbs commands always have).
 */
int nb_hostport_parse(const char *s, struct nb_addr *a, unsigned int *port);
/* The same form back, canonical: "10.0.0.1:80", "[2001:db8::1]:80". */
void nb_hostport_fmt(const struct nb_addr *a, unsigned int port, char *buf, size_t len);

/* "xx:xx:xx:xx:xx:xx", two hex digits each, either case. */
int nb_mac_parse(const char *s, unsigned char mac[6]);
/* BUF, LEN >= NB_MAC_STRLEN. */
const char *nb_mac_fmt(const unsigned char mac[6], char *buf, size_t len);

#endif /* NIMBUS_ADDR_H */

// SPDX-License-Identifier: GPL-2.0
/* Addresses, prefixes and MACs: see addr.h. */
#include "lib/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int nb_addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int nb_addr_parse(const char *s, struct nb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int nb_addr_parse4(const char *s, uint32_t *be)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*be = a.s_addr;
	return 0;
}

const char *nb_addr_fmt(const struct nb_addr *a, char *buf, size_t len)
{
	return inet_ntop(a->family, a->b, buf, (socklen_t)len) ? buf : "?";
}

const char *nb_addr_fmt4(uint32_t be, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = be };

	return inet_ntop(AF_INET, &a, buf, (socklen_t)len) ? buf : "?";
}

const char *nb_addr_fmt6(const void *in6, char *buf, size_t len)
{
	return inet_ntop(AF_INET6, in6, buf, (socklen_t)len) ? buf : "?";
}

bool nb_addr_eq(const struct nb_addr *a, const struct nb_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->b, b->b, nb_addr_bits(a->family) / 8);
}

int nb_prefix_parse(const char *s, struct nb_prefix *p, bool bare_ok)
{
	char buf[NB_PREFIX_STRLEN], *slash, *end;
	long plen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash && !bare_ok)
		return -EINVAL;
	if (slash)
		*slash = '\0';
	if (nb_addr_parse(buf, &p->addr))
		return -EINVAL;
	if (!slash) {
		p->plen = nb_addr_bits(p->addr.family);
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	plen = strtol(slash + 1, &end, 10);
	if (*end || plen < 0 || plen > nb_addr_bits(p->addr.family))
		return -EINVAL;
	p->plen = (int)plen;
	return 0;
}

void nb_prefix_fmt(const struct nb_prefix *p, char *buf, size_t len)
{
	char a[NB_ADDR_STRLEN];

	nb_addr_fmt(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, p->plen);
}

/* Bit I (0 = most significant) of A. */
static int bit(const struct nb_addr *a, int i)
{
	return (a->b[i / 8] >> (7 - i % 8)) & 1;
}

bool nb_prefix_canonical(const struct nb_prefix *p)
{
	for (int i = p->plen; i < nb_addr_bits(p->addr.family); i++)
		if (bit(&p->addr, i))
			return false;
	return true;
}

/* The first PLEN bits of A and B are equal. */
static bool same_bits(const struct nb_addr *a, const struct nb_addr *b, int plen)
{
	int bytes = plen / 8, rest = plen % 8;

	if (memcmp(a->b, b->b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a->b[bytes] ^ b->b[bytes]) & (0xff << (8 - rest)));
}

bool nb_prefix_contains(const struct nb_prefix *p, const struct nb_addr *a)
{
	return p->addr.family == a->family && same_bits(&p->addr, a, p->plen);
}

bool nb_prefix_overlap(const struct nb_prefix *a, const struct nb_prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return same_bits(&a->addr, &b->addr, a->plen < b->plen ? a->plen : b->plen);
}

uint64_t nb_prefix_size(const struct nb_prefix *p)
{
	int host = nb_addr_bits(p->addr.family) - p->plen;

	return host >= 64 ? UINT64_MAX : (uint64_t)1 << host;
}

void nb_prefix_nth(const struct nb_prefix *p, uint64_t n, struct nb_addr *out)
{
	int len = nb_addr_bits(p->addr.family) / 8;
	unsigned carry = 0;

	*out = p->addr;
	for (int i = len - 1; i >= 0; i--) {
		unsigned v = out->b[i] + (unsigned)(n & 0xff) + carry;

		out->b[i] = (unsigned char)v;
		carry = v >> 8;
		n >>= 8;
	}
}

uint64_t nb_prefix_index(const struct nb_prefix *p, const struct nb_addr *a)
{
	int len = nb_addr_bits(p->addr.family) / 8;
	uint64_t v = 0;

	/* The low 64 bits of A minus the network: the host part fits in them. */
	/*
	 * Byte-wise subtraction needs no borrow: A is inside P, whose host
	 * bits are 0, so each byte of A is at least the network's.
	 */
	for (int i = len >= 8 ? len - 8 : 0; i < len; i++)
		v = v << 8 | (unsigned char)(a->b[i] - p->addr.b[i]);
	return v;
}

int nb_hostport_parse(const char *s, struct nb_addr *a, unsigned int *port)
{
	char host[NB_ADDR_STRLEN + 2], *end;
	const char *colon = strrchr(s, ':');
	size_t hl;
	long p;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	hl = (size_t)(colon - s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return -EINVAL;
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		if (nb_addr_parse(host + 1, a) || a->family != AF_INET6)
			return -EINVAL;
	} else if (nb_addr_parse(host, a) || a->family != AF_INET) {
		return -EINVAL;
	}
	*port = (unsigned int)p;
	return 0;
}

void nb_hostport_fmt(const struct nb_addr *a, unsigned int port, char *buf, size_t len)
{
	char host[NB_ADDR_STRLEN];

	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 nb_addr_fmt(a, host, sizeof(host)), port);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nb_mac_parse(const char *s, unsigned char mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

const char *nb_mac_fmt(const unsigned char mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

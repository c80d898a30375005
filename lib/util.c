// SPDX-License-Identifier: GPL-2.0
/* Random identifiers and growable arrays: see util.h. */
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int nb_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[64];
	ssize_t n;

	if (nbytes > sizeof(raw))
		return -EINVAL;
	n = getrandom(raw, nbytes, 0);
	if (n != (ssize_t)nbytes)
		return n < 0 ? -errno : -EIO;
	for (size_t i = 0; i < nbytes; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
	/* The digits may be a secret: a token. */
	explicit_bzero(raw, nbytes);
	return 0;
}

void nb_grow(void *arrp, size_t n, size_t *cap, size_t size)
{
	void **arr = arrp;
	size_t c = *cap ? 2 * *cap : 16;
	void *p;

	if (n < *cap)
		return;
	p = realloc(*arr, c * size);
	if (!p)
		abort();
	*arr = p;
	*cap = c;
}

size_t nb_buf_append(char *data, size_t size, size_t n, void *buf)
{
	struct nb_buf *b = buf;
	char *p = realloc(b->p, b->len + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, size * n);
	b->p = p;
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

// SPDX-License-Identifier: GPL-2.0
/* Token files and random identifiers: see util.h. */
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int nb_read_token_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -ENODATA;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -E2BIG;	/* no newline within LEN: too long */
	buf[n] = '\0';
	return n ? 0 : -ENODATA;
}

int nb_random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof(raw))
		return -EINVAL;
	if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
		return -EIO;
	for (size_t i = 0; i < nbytes; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
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

// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token.h"
#include "lib/util.h"

bool nb_token_equal(const char *a, const char *b, size_t size)
{
	volatile unsigned char diff = 0;

	for (size_t i = 0; i < size; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return !diff;
}

int nb_token_read_file(const char *path, char *buf, size_t size)
{
	/* One byte more than fits: a line that fills it is too long. */
	char *line = malloc(size + 1);
	FILE *f;
	size_t len;
	int ret;

	if (!line)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		free(line);
		return ret;
	}
	if (!fgets(line, (int)(size + 1), f))
		line[0] = '\0';
	fclose(f);
	len = strcspn(line, "\r\n");
	memset(buf, 0, size);
	if (!len) {
		ret = -ENODATA;
	} else if (len >= size) {
		ret = -E2BIG;
	} else {
		memcpy(buf, line, len);
		ret = 0;
	}
	explicit_bzero(line, size + 1);
	free(line);
	return ret;
}

int cbs_token_set(char *token, const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= CBS_PROTO_TOKEN_LEN)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)s[i]))
			return -EINVAL;
	memset(token, 0, CBS_PROTO_TOKEN_LEN);
	memcpy(token, s, len);
	return 0;
}

int cbs_token_read_file(char *token, const char *path)
{
	char line[CBS_PROTO_TOKEN_LEN];
	int ret;

	ret = nb_token_read_file(path, line, sizeof(line));
	if (ret == -ENODATA || ret == -E2BIG)
		ret = -EINVAL;
	if (!ret)
		ret = cbs_token_set(token, line);
	explicit_bzero(line, sizeof(line));
	return ret;
}

int cbs_token_random(char *token)
{
	memset(token, 0, CBS_PROTO_TOKEN_LEN);
	return nb_random_hex(token, 24);
}

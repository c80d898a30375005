// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "lib/token.h"

bool cbs_token_equal(const char *a, const char *b)
{
	volatile unsigned char diff = 0;

	for (size_t i = 0; i < CBS_PROTO_TOKEN_LEN; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return !diff;
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
	char line[CBS_PROTO_TOKEN_LEN + 2] = "";
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	ret = cbs_token_set(token, line);
	explicit_bzero(line, sizeof(line));
	return ret;
}

int cbs_token_random(char *token)
{
	unsigned char raw[24];
	ssize_t n;

	n = getrandom(raw, sizeof(raw), 0);
	if (n != (ssize_t)sizeof(raw))
		return n < 0 ? -errno : -EIO;
	memset(token, 0, CBS_PROTO_TOKEN_LEN);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

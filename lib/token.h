/* SPDX-License-Identifier: GPL-2.0 */
/* Access and admin tokens: NUL-padded to CBS_PROTO_TOKEN_LEN, never logged. */
#ifndef NIMBUS_CBS_TOKEN_H
#define NIMBUS_CBS_TOKEN_H

#include <stdbool.h>
#include <linux/cbs_proto.h>

/* Constant-time comparison of two full-size, NUL-padded tokens. */
bool cbs_token_equal(const char *a, const char *b);

/* Copy s into a zeroed token buffer; -EINVAL if empty, too long or not printable. */
int cbs_token_set(char *token, const char *s);

/* The first line of a file, without its newline; 0 or -errno. */
int cbs_token_read_file(char *token, const char *path);

/* A fresh random token (hex of 24 bytes from getrandom); 0 or -errno. */
int cbs_token_random(char *token);

#endif /* NIMBUS_CBS_TOKEN_H */

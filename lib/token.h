/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Secrets: bearer, admin and volume access tokens.  Kept NUL-padded to the
 * size of their buffer, compared in constant time, never logged.
 */
#ifndef NIMBUS_TOKEN_H
#define NIMBUS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/cbs_proto.h>

/* Constant-time comparison of two NUL-padded tokens of SIZE bytes each. */
bool nb_token_equal(const char *a, const char *b, size_t size);

/*
 * The first line of the file PATH, without its newline, NUL-padded into
 * BUF of SIZE bytes.  0; -errno when the file cannot be opened; -ENODATA
 * when the line is empty or missing; -E2BIG when it does not fit.
 */
int nb_token_read_file(const char *path, char *buf, size_t size);

/*
 * cbs tokens (CBS_PROTO_TOKEN_LEN buffers, as on the wire): 1..63
 * printable characters.
 */
/* Copy s into a zeroed token buffer; -EINVAL if empty, too long or not printable. */
int cbs_token_set(char *token, const char *s);
/* A token from the first line of a file: 0, -EINVAL if it is no token, or -errno. */
int cbs_token_read_file(char *token, const char *path);
/* A fresh random token (hex of 24 bytes from getrandom); 0 or -errno. */
int cbs_token_random(char *token);

#endif /* NIMBUS_TOKEN_H */

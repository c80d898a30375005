/* SPDX-License-Identifier: GPL-2.0 */
/* Argument parsers shared by the commands; each returns 0 or -EINVAL. */
#ifndef NIMBUS_PARSE_H
#define NIMBUS_PARSE_H

#include <stdint.h>

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_u64(const char *s, uint64_t *out);
/* A byte count with an optional K/M/G/T/P suffix (powers of 1024). */
int parse_size(const char *s, uint64_t *out);
/* A name of 1..maxlen-1 printable characters without spaces or '/'. */
int parse_name(const char *s, unsigned int maxlen);

#endif /* NIMBUS_PARSE_H */

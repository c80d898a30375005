/* SPDX-License-Identifier: GPL-2.0 */
/* Random identifiers, growable arrays and byte buffers. */
#ifndef NIMBUS_UTIL_H
#define NIMBUS_UTIL_H

#include <stddef.h>

/*
 * 2 * NBYTES (at most 64) lowercase hex digits from getrandom(2) into BUF
 * (NUL-ended); 0 or -errno.
 */
int nb_random_hex(char *buf, size_t nbytes);

/*
 * Room for one more element in the array at *ARRP, which holds N of *CAP
 * elements of SIZE bytes: doubles it when full.  Aborts when out of memory.
 */
void nb_grow(void *arrp, size_t n, size_t *cap, size_t size);

/* Bytes gathered piece by piece (an HTTP answer), kept NUL-ended. */
struct nb_buf {
	char *p;
	size_t len;
};

/*
 * Append SIZE * N bytes of DATA to the nb_buf at BUF: SIZE * N, or 0 when
 * out of memory.  Shaped as a libcurl write callback.
 */
size_t nb_buf_append(char *data, size_t size, size_t n, void *buf);

#endif /* NIMBUS_UTIL_H */

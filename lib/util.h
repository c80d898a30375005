/* SPDX-License-Identifier: GPL-2.0 */
/* Small things the controller and nimbusctl share. */
#ifndef NIMBUS_CTL_UTIL_H
#define NIMBUS_CTL_UTIL_H

#include <stddef.h>

/* The first line of PATH, without its newline, into BUF.  0 or -errno. */
int nb_read_token_file(const char *path, char *buf, size_t len);
/* 2 * NBYTES lowercase hex digits from getrandom(2) into BUF (NUL-ended). */
int nb_random_hex(char *buf, size_t nbytes);

/*
 * Room for one more element in the array at *ARRP, which holds N of *CAP
 * elements of SIZE bytes: doubles it when full.  Aborts when out of memory.
 */
void nb_grow(void *arrp, size_t n, size_t *cap, size_t size);

#endif /* NIMBUS_CTL_UTIL_H */

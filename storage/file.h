/* SPDX-License-Identifier: GPL-2.0 */
/* File helpers of cbs-server's data directory. */
#ifndef NIMBUS_CBS_FILE_H
#define NIMBUS_CBS_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace DIR_FD/NAME with LEN bytes of DATA atomically: write .NAME.tmp,
 * fsync it, rename it over NAME, fsync the directory.  0 or -errno; on
 * error NAME is the old file or, once the rename is done, the new one.
 * Leftover .*.tmp files of a crash are for the caller to sweep at start.
 */
int file_replace(int dir_fd, const char *name, const void *data, size_t len);

/* pread()/pwrite() until done; a read past the end of the file gives zeros. */
int pread_full(int fd, char *buf, size_t len, off_t off);
int pwrite_full(int fd, const char *buf, size_t len, off_t off);

/* Make [off, off + len) read as zeros: ZERO_RANGE, or a hole where it is missing. */
int zero_range(int fd, off_t off, off_t len);

#endif /* NIMBUS_CBS_FILE_H */

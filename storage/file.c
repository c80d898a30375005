// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "storage/file.h"

int file_replace(int dir_fd, const char *name, const void *data, size_t len)
{
	char tmp[256];
	ssize_t n;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	errno = 0;
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len)
		ret = errno ? -errno : -EIO;
	else if (fsync(fd))
		ret = -errno;
	close(fd);
	if (!ret && renameat(dir_fd, tmp, dir_fd, name))
		ret = -errno;
	if (!ret && fsync(dir_fd))
		ret = -errno;
	if (ret)
		unlinkat(dir_fd, tmp, 0);
	return ret;
}

int pread_full(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(buf, 0, len);
			return 0;
		}
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int pwrite_full(int fd, const char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int zero_range(int fd, off_t off, off_t len)
{
	if (!fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	/* tmpfs and some others have no ZERO_RANGE; a hole reads as zeros too. */
	if (errno == EOPNOTSUPP &&
	    !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	return -errno;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "storage/file.h"
#include "storage/store.h"

int store_read(struct cbs_volume *v, char *buf, uint32_t len, uint64_t off)
{
	return pread_full(v->fd, buf, len, (off_t)off);
}

int store_write(struct cbs_volume *v, const char *buf, uint32_t len, uint64_t off)
{
	return pwrite_full(v->fd, buf, len, (off_t)off);
}

int store_discard(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	return fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)off, (off_t)len) ? -errno : 0;
}

int store_write_zeroes(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	return zero_range(v->fd, (off_t)off, (off_t)len);
}

int store_sync(struct cbs_volume *v)
{
	return fdatasync(v->fd) ? -errno : 0;
}

int store_read_file(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	(void)off;
	(void)len;
	return v->fd;
}

int store_write_file(struct cbs_volume *v)
{
	return v->fd;
}

int store_write_done(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	(void)v;
	(void)off;
	(void)len;
	return 0;
}

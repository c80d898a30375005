/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A volume's data: every read, write, discard, write-zeroes and sync of
 * its blocks goes through here, whatever files hold them.  All of these
 * are called with the volume's io_lock held for reading (the layout of the
 * files changes only under it held for writing), on ranges already checked
 * against the volume's size and block size.  Each returns 0 or -errno.
 */
#ifndef NIMBUS_CBS_STORE_H
#define NIMBUS_CBS_STORE_H

#include <stdint.h>

#include "storage/volume.h"

int store_read(struct cbs_volume *v, char *buf, uint32_t len, uint64_t off);
int store_write(struct cbs_volume *v, const char *buf, uint32_t len, uint64_t off);
/* Make the range read as zeros, freeing its space where possible. */
int store_discard(struct cbs_volume *v, uint64_t off, uint64_t len);
/* Make the range read as zeros, keeping it allocated where possible. */
int store_write_zeroes(struct cbs_volume *v, uint64_t off, uint64_t len);
/*
 * Make every write completed before the call durable, with whatever says
 * where its data is (FLUSH, FUA).
 */
int store_sync(struct cbs_volume *v);

/*
 * The splice fast paths of storage/conn.c.  store_read_file(): the file
 * descriptor of the one plain file that holds all of [off, off + len) of
 * the volume at the same offset (splice from it), or -1: read it with
 * store_read().  store_write_file(): the file a write of the volume goes
 * to, at the volume's offset; bytes put there directly (splice) count only
 * once store_write_done() has been called on their range.
 */
int store_read_file(struct cbs_volume *v, uint64_t off, uint64_t len);
int store_write_file(struct cbs_volume *v);
int store_write_done(struct cbs_volume *v, uint64_t off, uint64_t len);

#endif /* NIMBUS_CBS_STORE_H */

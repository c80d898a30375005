/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A volume's data, as a chain of layers (Documentation/cbs.md, "On-disk
 * format").  A layer is a sparse data file as long as the volume was when
 * the layer was its top, at the volume's offsets, and, unless it is the
 * bottom of its chain, a bitmap with one bit per block: set when the block
 * was written (or discarded, or zeroed) in that layer.  A read of a block
 * is served by the first layer from the top whose bit is set, or by the
 * bottom layer, whose holes read as zeros.  A volume that never had a
 * snapshot is one bottom layer: its data file, nothing else (flat).
 *
 * The data calls (store_read() to store_write_done()) are made with the
 * volume's io_lock held for reading; the chain changes only with it held
 * for writing.  They get ranges already checked against the volume's size
 * and block size, and return 0 or -errno.
 */
#ifndef NIMBUS_CBS_STORE_H
#define NIMBUS_CBS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/volume.h"

int store_read(struct cbs_volume *v, char *buf, uint32_t len, uint64_t off);
int store_write(struct cbs_volume *v, const char *buf, uint32_t len, uint64_t off);
/* Make the range read as zeros, freeing its space where possible. */
int store_discard(struct cbs_volume *v, uint64_t off, uint64_t len);
/* Make the range read as zeros, keeping it allocated where possible. */
int store_write_zeroes(struct cbs_volume *v, uint64_t off, uint64_t len);
/*
 * Make every write completed before the call durable, and then what says
 * where its data is (the bitmaps): FLUSH, FUA.
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

/*
 * Layers, for storage/volume.c.  A layer's id names its files in
 * DIR/layers/; id 0 is a flat volume's own data file, DIR/NAME.vol.
 * References (store_layer_get/put): each child layer holds its parent, and
 * each name (a volume's top, a snapshot) its layer; a layer whose last
 * reference goes is deleted.  These take the store's own lock, so they
 * may be called with an io_lock held.
 */
struct store_layer;

/*
 * The parent (0: none) and block size in DIR/layers/ID.layer, read from
 * the directory layers_dir; 0 or -errno.  Also for fsck.
 */
int store_layer_meta_read(int layers_dir, uint64_t id, uint64_t *parent,
			  uint32_t *block_size);
/* Bytes of the bitmap file of a layer of nblocks blocks. */
size_t store_map_bytes(uint64_t nblocks);

/* Open (creating it) DIR/layers; 0 or -errno. */
int store_init(int dir_fd);
void store_exit(void);
/* The layer ID with its parents, loaded if need be; a reference. */
int store_layer_get(uint64_t id, uint32_t block_size, struct store_layer **out);
void store_layer_hold(struct store_layer *l);
void store_layer_put(struct store_layer *l);
/* A flat volume's data file (fd, now owned by the layer) as its layer. */
struct store_layer *store_layer_flat(int fd, uint32_t block_size);
/*
 * A new, empty layer over parent (NULL: none) for a volume of size bytes,
 * its files durable; a reference.
 */
int store_layer_new(struct store_layer *parent, uint64_t size, uint32_t block_size,
		    struct store_layer **out);
/*
 * Give the flat layer of volume NAME an id: its data file linked into
 * DIR/layers, durably, before a snapshot or clone names it there.  Undone
 * by store_layer_unadopt() (before the commit); after the commit the caller
 * removes NAME.vol.
 */
int store_layer_adopt(struct store_layer *l);
void store_layer_unadopt(struct store_layer *l);
uint64_t store_layer_id(const struct store_layer *l);
struct store_layer *store_layer_parent(const struct store_layer *l);
/* The layer's data file size: the volume's size when it was frozen. */
uint64_t store_layer_size(const struct store_layer *l);
/* Bytes of the layer's data file on disk. */
uint64_t store_layer_allocated(const struct store_layer *l);
/*
 * Bytes only this layer holds: its data that no child layer reads through
 * (every child wrote over it).  The layer itself only, if it has no child.
 */
uint64_t store_layer_unshared(struct store_layer *l);
/*
 * A layer no name reads any more (a deleted snapshot's, still a parent):
 * free the blocks that every child has, on disk, written over.
 */
void store_layer_trim(struct store_layer *l);
/*
 * At start: cut or extend a volume's top layer to the volume's size, as
 * it is (a resize, or a new layer's size, cut short by a crash).
 */
int store_layer_fit(struct store_layer *l, uint64_t size);
/*
 * The one child of l, if l has one and no other user than it and the
 * caller's held references; else NULL.
 */
struct store_layer *store_layer_only_child(struct store_layer *l, unsigned int held);
/*
 * Merge l, which only its child c uses, into c (c must not be written
 * to: a snapshot's layer): the blocks c reads from l are copied into it,
 * c's parent becomes l's (the commit: c's .layer), and l goes once
 * barrier(c, arg) has waited out every reader that may still be in l.
 * The caller excludes other changes to l and c.  0 or -errno (then
 * nothing changed that a reader could see).
 */
int store_layer_merge(struct store_layer *l, struct store_layer *c,
		      void (*barrier)(struct store_layer *c, void *arg), void *arg);
/* Resize a volume's top layer; io_lock held for writing. */
int store_layer_resize(struct store_layer *l, uint64_t old_size, uint64_t size);
/* Sync a layer's data, then its bitmap (store_sync() for one layer). */
int store_layer_sync(struct store_layer *l);

/*
 * After every volume is loaded: remove DIR/layers files that no volume
 * uses (a create, snapshot or delete cut short by a crash).
 */
void store_sweep(void);
/* Loading is over: from now on a layer whose last reference goes is deleted. */
void store_ready(void);

#endif /* NIMBUS_CBS_STORE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A replicated volume's dirty-region maps, DIR/NAME.dirty, mmap'd: one bit
 * per 1 MiB region of the volume, in two maps (Documentation/cbs.md,
 * "Resync"):
 *
 * - DIRTY_FLIGHT: a write to the region may be here and not on every
 *   member.  Set (and on disk) before the write is applied locally, on the
 *   primary and on a backup alike; cleared once no write is pending in the
 *   region and none came for a while (a hot region stays set: no msync per
 *   write).  A write is pending on the primary until every backup acked
 *   it, on a backup until the next request on the same replica session
 *   (the primary sends one request at a time per session, and the next
 *   only once all backups acked the last).  A new primary copies the union
 *   of its members' flight maps to all of them.
 * - DIRTY_ABSENT: the primary's: the region was written while a member was
 *   not in sync.  Copied to that member when it catches up.
 *
 * A set bit that should be clear costs an extra copy; a clear bit that
 * should be set loses a write on some replica, so bits are set durably
 * (msync) before the write, and cleared lazily.
 */
#ifndef NIMBUS_CBS_DIRTY_H
#define NIMBUS_CBS_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

#define DIRTY_REGION_SHIFT	20
#define DIRTY_REGION_SIZE	(1ULL << DIRTY_REGION_SHIFT)

enum dirty_kind {
	DIRTY_FLIGHT,
	DIRTY_ABSENT,
	DIRTY_KINDS,
};

struct dirty_map;

/* Open or create DIR_FD/NAME.dirty for a volume of size bytes. */
int dirty_open(int dir_fd, const char *name, uint64_t size, struct dirty_map **out);
void dirty_close(struct dirty_map *m);
/* Remove NAME.dirty (the volume is deleted or created anew). */
void dirty_remove(int dir_fd, const char *name);

/*
 * A write to [off, off + len) begins: pending in its regions, their flight
 * bit set, and their absent bit too if absent; on disk before it returns.
 */
int dirty_begin(struct dirty_map *m, uint64_t off, uint64_t len, bool absent);
/* It is on every member: no longer pending. */
void dirty_end(struct dirty_map *m, uint64_t off, uint64_t len);
/* Clear the flight bits of regions with nothing pending since the last call. */
void dirty_clean(struct dirty_map *m);

/*
 * Claim region r of kind for a copy: 0 and its bit cleared if it is set
 * and no write is pending there (or force: the volume is frozen, and a
 * pending count is only a failed write's); -EBUSY if a write is pending
 * (try later); -ENOENT if not set.  A write that begins after the claim
 * sets it again.
 */
int dirty_claim(struct dirty_map *m, enum dirty_kind kind, uint64_t r, bool force);
/* Set region r of kind again (its copy failed). */
void dirty_mark(struct dirty_map *m, enum dirty_kind kind, uint64_t r);
/* The first set region >= from, or UINT64_MAX. */
uint64_t dirty_next(struct dirty_map *m, enum dirty_kind kind, uint64_t from);
uint64_t dirty_count(struct dirty_map *m, enum dirty_kind kind);
uint64_t dirty_regions(struct dirty_map *m);

/*
 * The flight map as bytes (bit r: byte r / 8, bit r % 8), malloc'd, and
 * the map cleared: the caller (a new primary) takes over the copy.
 */
int dirty_take_flight(struct dirty_map *m, void **bits, uint32_t *len);
/* Or bits into kind (a member's flight map, or all ones for a full copy). */
void dirty_merge(struct dirty_map *m, enum dirty_kind kind, const void *bits, uint32_t len);
void dirty_fill(struct dirty_map *m, enum dirty_kind kind);
/* Copy kind from into kind to (the flight map into the absent map). */
void dirty_copy_kind(struct dirty_map *m, enum dirty_kind from, enum dirty_kind to);

#endif /* NIMBUS_CBS_DIRTY_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * cbs-server's dirty-region maps (storage/dirty.c): which regions a write
 * marks, when a mark may be cleared (never while a write is pending),
 * claims for a copy, the hand-over of the flight map, growth with the
 * volume, and that the marks are on disk: a reopened map has them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "storage/dirty.h"

#define MIB DIRTY_REGION_SIZE

static char dir[] = "/tmp/test_dirty.XXXXXX";
static int dir_fd = -1;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	return dir_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	dirty_remove(dir_fd, "v");
	close(dir_fd);
	rmdir(dir);
	return 0;
}

static struct dirty_map *open_map(uint64_t size)
{
	struct dirty_map *m = NULL;

	assert_int_equal(dirty_open(dir_fd, "v", size, &m), 0);
	return m;
}

static void marks(void **state)
{
	struct dirty_map *m;

	(void)state;
	dirty_remove(dir_fd, "v");
	m = open_map(64 * MIB);
	assert_int_equal(dirty_regions(m), 64);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 0), UINT64_MAX);
	/* A write across a region boundary marks both; absent only if asked. */
	assert_int_equal(dirty_begin(m, 3 * MIB - 4096, 8192, false), 0);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 2);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 0), 2);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 3), 3);
	assert_int_equal(dirty_count(m, DIRTY_ABSENT), 0);
	assert_int_equal(dirty_begin(m, 40 * MIB, 4096, true), 0);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 0), 40);
	/* Pending: no claim, no cleaning. */
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 2, false), -EBUSY);
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 5, false), -ENOENT);
	dirty_clean(m);
	dirty_clean(m);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 3);
	/* Ended: cleaned once a whole round passed without writes there. */
	dirty_end(m, 3 * MIB - 4096, 8192);
	dirty_end(m, 40 * MIB, 4096);
	assert_int_equal(dirty_begin(m, 2 * MIB, 4096, false), 0);
	dirty_end(m, 2 * MIB, 4096);
	dirty_clean(m);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 1);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 0), 2);
	dirty_clean(m);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 0);
	/* The absent map is never cleaned, only claimed. */
	assert_int_equal(dirty_count(m, DIRTY_ABSENT), 1);
	assert_int_equal(dirty_claim(m, DIRTY_ABSENT, 40, false), 0);
	assert_int_equal(dirty_count(m, DIRTY_ABSENT), 0);
	dirty_mark(m, DIRTY_ABSENT, 40);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 0), 40);
	/* A frozen volume's copy claims a region a failed write left pending. */
	assert_int_equal(dirty_begin(m, 7 * MIB, 4096, false), 0);
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 7, false), -EBUSY);
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 7, true), 0);
	dirty_close(m);
}

static void persisted(void **state)
{
	struct dirty_map *m;

	(void)state;
	dirty_remove(dir_fd, "v");
	m = open_map(16 * MIB);
	assert_int_equal(dirty_begin(m, 5 * MIB, 4096, true), 0);
	assert_int_equal(dirty_begin(m, 15 * MIB, 4096, false), 0);
	dirty_close(m);
	/* As after a crash: the marks are there, nothing is pending. */
	m = open_map(16 * MIB);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 2);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 0), 5);
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 15, false), 0);
	/* Growing the volume keeps both maps. */
	assert_int_equal(dirty_begin(m, 300 * MIB, 4096, true), 0);
	assert_int_equal(dirty_regions(m), 301);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 0), 5);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 6), 300);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 0), 5);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 6), 300);
	/* Past the file's room: both maps move to a bigger file. */
	assert_int_equal(dirty_begin(m, 40000 * MIB, 4096, true), 0);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 6), 300);
	assert_int_equal(dirty_next(m, DIRTY_ABSENT, 301), 40000);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 301), 40000);
	dirty_close(m);
	m = open_map(40001 * MIB);
	assert_int_equal(dirty_count(m, DIRTY_ABSENT), 3);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 6), 300);
	assert_int_equal(dirty_next(m, DIRTY_FLIGHT, 0), 5);
	dirty_close(m);
}

static void hand_over(void **state)
{
	struct dirty_map *m, *other;
	uint32_t len;
	void *bits;

	(void)state;
	dirty_remove(dir_fd, "v");
	m = open_map(20 * MIB);
	assert_int_equal(dirty_begin(m, 0, 4096, false), 0);
	assert_int_equal(dirty_begin(m, 19 * MIB, MIB, false), 0);
	/* Taken: the bytes say which, and the map is clear, pending or not. */
	assert_int_equal(dirty_take_flight(m, &bits, &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(((uint8_t *)bits)[0], 1);
	assert_int_equal(((uint8_t *)bits)[2], 1 << 3);
	assert_int_equal(dirty_count(m, DIRTY_FLIGHT), 0);
	assert_int_equal(dirty_claim(m, DIRTY_FLIGHT, 0, false), -ENOENT);
	dirty_close(m);
	/* Merged into another map; bits past its regions are ignored. */
	assert_int_equal(dirty_open(dir_fd, "w", 8 * MIB, &other), 0);
	dirty_merge(other, DIRTY_FLIGHT, bits, len);
	assert_int_equal(dirty_count(other, DIRTY_FLIGHT), 1);
	assert_int_equal(dirty_next(other, DIRTY_FLIGHT, 1), UINT64_MAX);
	dirty_copy_kind(other, DIRTY_FLIGHT, DIRTY_ABSENT);
	assert_int_equal(dirty_next(other, DIRTY_ABSENT, 0), 0);
	dirty_fill(other, DIRTY_ABSENT);
	assert_int_equal(dirty_count(other, DIRTY_ABSENT), 8);
	dirty_close(other);
	dirty_remove(dir_fd, "w");
	free(bits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marks),
		cmocka_unit_test(persisted),
		cmocka_unit_test(hand_over),
	};

	return cmocka_run_group_tests_name("dirty", tests, setup, teardown);
}

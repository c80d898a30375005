// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the command-line parsers in lib/parse.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/parse.h"

static void u32_in_range(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(parse_u32("1", 1, 0xffffff, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_u32("16777215", 1, 0xffffff, &v), 0);
	assert_int_equal(v, 16777215);
	assert_int_equal(parse_u32("0x10", 0, 100, &v), 0);
	assert_int_equal(v, 16);
}

static void u32_rejects_bad_input(void **state)
{
	uint32_t v = 42;

	(void)state;
	assert_int_not_equal(parse_u32("0", 1, 10, &v), 0);
	assert_int_not_equal(parse_u32("16777216", 1, 0xffffff, &v), 0);
	assert_int_not_equal(parse_u32("-1", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32("", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32("5x", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32(" 5", 0, 10, &v), 0);
	assert_int_not_equal(parse_u32("99999999999999999999", 0, ~0u, &v), 0);
	assert_int_not_equal(parse_u32(NULL, 0, 10, &v), 0);
	assert_int_equal(v, 42);
}

static void size_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("1K", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("10G", &v), 0);
	assert_int_equal(v, 10ULL << 30);
	assert_int_equal(parse_size("1TiB", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(parse_size("2m", &v), 0);
	assert_int_equal(v, 2ULL << 20);
}

static void size_rejects_bad_input(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_not_equal(parse_size("1X", &v), 0);
	assert_int_not_equal(parse_size("G", &v), 0);
	assert_int_not_equal(parse_size("1Gx", &v), 0);
	assert_int_not_equal(parse_size("-1G", &v), 0);
	/* 2^64 overflows */
	assert_int_not_equal(parse_size("16777216T", &v), 0);
	assert_int_not_equal(parse_size("99999999999999999999", &v), 0);
}

static void names(void **state)
{
	(void)state;
	assert_int_equal(parse_name("tenant-a", 32), 0);
	assert_int_not_equal(parse_name("", 32), 0);
	assert_int_not_equal(parse_name("has space", 32), 0);
	assert_int_not_equal(parse_name("a/b", 32), 0);
	assert_int_not_equal(parse_name("0123456789012345678901234567890123", 32), 0);
	assert_int_equal(parse_name("0123456789012345678901234567890", 32), 0);
	assert_int_not_equal(parse_name("01234567890123456789012345678901", 32), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(u32_in_range),
		cmocka_unit_test(u32_rejects_bad_input),
		cmocka_unit_test(size_suffixes),
		cmocka_unit_test(size_rejects_bad_input),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <jansson.h>

#include "output.h"

static bool out_json;
static json_t *out_array;
static json_t *out_cur;

void out_init(bool json)
{
	out_json = json;
	if (json && !out_array)
		out_array = json_array();
}

void out_obj_begin(void)
{
	if (out_json)
		out_cur = json_object();
}

void out_obj_end(void)
{
	if (!out_json) {
		putchar('\n');
		return;
	}
	json_array_append_new(out_array, out_cur);
	out_cur = NULL;
}

void out_uint(const char *key, const char *fmt, uint64_t v)
{
	if (out_json)
		json_object_set_new(out_cur, key, json_integer((json_int_t)v));
	else
		printf(fmt, (unsigned long long)v);
}

void out_str(const char *key, const char *fmt, const char *v)
{
	if (out_json)
		json_object_set_new(out_cur, key, json_string(v));
	else
		printf(fmt, v);
}

void out_flush(void)
{
	if (!out_json || !out_array)
		return;
	json_dumpf(out_array, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out_array);
	out_array = NULL;
}

// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <jansson.h>

#include "lib/output.h"

static bool out_json;
static bool out_open;		/* a JSON array is being printed */
static unsigned long out_count;	/* objects printed in it */
static json_t *out_cur;
static bool out_nested;		/* objects go to a list of the current one */
static json_t *out_parent;	/* JSON: the object that list belongs to */
static json_t *out_list;

void out_init(bool json)
{
	out_json = json;
	out_open = json;
	out_count = 0;
}

void out_obj_begin(void)
{
	if (out_json)
		out_cur = json_object();
}

/*
 * Each object is printed as it ends, so a dump of a million mappings needs
 * the memory of one, not of a million.
 */
void out_obj_end(void)
{
	if (out_nested) {
		/* Text: a nested object's fields carry their own line breaks. */
		if (out_json)
			json_array_append_new(out_list, out_cur);
		out_cur = out_parent;
		return;
	}
	if (!out_json) {
		putchar('\n');
		return;
	}
	fputs(out_count++ ? "," : "[", stdout);
	json_dumpf(out_cur, stdout, JSON_COMPACT);
	json_decref(out_cur);
	out_cur = NULL;
}

void out_list_begin(const char *key)
{
	out_nested = true;
	out_parent = out_cur;
	if (!out_json)
		return;
	out_list = json_array();
	json_object_set_new(out_cur, key, out_list);
}

void out_list_end(void)
{
	out_nested = false;
	out_cur = out_parent;
	out_parent = NULL;
	out_list = NULL;
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
	if (!out_open)
		return;
	puts(out_count ? "]" : "[]");
	out_open = false;
}

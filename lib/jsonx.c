// SPDX-License-Identifier: GPL-2.0
/* Strict JSON objects: see jsonx.h. */
#include "lib/jsonx.h"

#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {
	[JX_STRING] = "a string",
	[JX_UINT] = "an integer >= 0",
	[JX_OBJECT] = "an object",
	[JX_ARRAY] = "an array",
};

static bool has_type(const json_t *v, enum jx_type t)
{
	switch (t) {
	case JX_STRING:
		return json_is_string(v);
	case JX_UINT:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case JX_OBJECT:
		return json_is_object(v);
	case JX_ARRAY:
		return json_is_array(v);
	}
	return false;
}

int jx_check(const json_t *obj, const char *what, const struct jx_field *fields,
	     char *err, size_t errlen)
{
	const char *key;
	const json_t *v;
	const struct jx_field *f;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%s must be a JSON object", what);
		return -1;
	}
	for (void *it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		for (f = fields; f->name; f++)
			if (!strcmp(f->name, key))
				break;
		if (!f->name) {
			snprintf(err, errlen, "unknown field \"%s\" in %s", key, what);
			return -1;
		}
		if (!has_type(v, f->type)) {
			snprintf(err, errlen, "field \"%s\" in %s must be %s", key, what,
				 type_names[f->type]);
			return -1;
		}
	}
	for (f = fields; f->name; f++) {
		if (f->required && !json_object_get(obj, f->name)) {
			snprintf(err, errlen, "field \"%s\" is missing from %s", f->name, what);
			return -1;
		}
	}
	return 0;
}

const char *jx_str(const json_t *obj, const char *key, const char *def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long jx_int(const json_t *obj, const char *key, long long def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

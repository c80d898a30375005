/* SPDX-License-Identifier: GPL-2.0 */
/* Strict JSON objects: known fields only, each of the right type. */
#ifndef NIMBUS_JSONX_H
#define NIMBUS_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum jx_type {
	JX_STRING,
	JX_UINT,	/* an integer >= 0 */
	JX_OBJECT,
	JX_ARRAY,
};

struct jx_field {
	const char *name;
	enum jx_type type;
	bool required;
};

/*
 * OBJ must be a JSON object whose members are all among FIELDS (ended by a
 * NULL name), each of its type, and have every required one.  0, or -1 with
 * a message for a human in ERR.  WHAT names OBJ in messages ("request body").
 */
int jx_check(const json_t *obj, const char *what, const struct jx_field *fields,
	     char *err, size_t errlen);

/* The string member KEY of OBJ, or DEF if absent or not a string. */
const char *jx_str(const json_t *obj, const char *key, const char *def);
/* The integer member KEY of OBJ, or DEF. */
long long jx_int(const json_t *obj, const char *key, long long def);

#endif /* NIMBUS_JSONX_H */

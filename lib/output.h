/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call per field serves both text and JSON output, as in iproute2:
 * out_uint("id", "id %u ", v) prints "id 5 " or adds "id": 5.
 */
#ifndef NIMBUS_OUTPUT_H
#define NIMBUS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

void out_init(bool json);
void out_obj_begin(void);
void out_obj_end(void);
/*
 * Objects begun between these two are a list KEY of the current object
 * (JSON); in text, each such object prints no line break of its own.
 */
void out_list_begin(const char *key);
void out_list_end(void);
void out_uint(const char *key, const char *fmt, uint64_t v);
void out_str(const char *key, const char *fmt, const char *v);
/* End the JSON array (no-op for text); out_init() starts another. */
void out_flush(void);

#endif /* NIMBUS_OUTPUT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the cbs frame checks (lib/cbs_proto.c).  The first
 * input byte picks the parser; for requests, the next bytes build the
 * session the request is checked against.  Any crash, sanitizer report or
 * broken invariant (an accepted request outside the volume) is a bug.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
 *         -I. -Ikmod/include/uapi tests/fuzz/fuzz_cbs_proto.c lib/cbs_proto.c
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cbs_proto.h"

static uint64_t take_u64(const uint8_t **data, size_t *size)
{
	uint64_t v = 0;
	size_t n = *size < sizeof(v) ? *size : sizeof(v);

	memcpy(&v, *data, n);
	*data += n;
	*size -= n;
	return v;
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	struct cbs_session s = { 0 };
	struct cbs_req req;
	uint64_t bits = take_u64(&data, &size);

	s.admin = bits & 1;
	s.replica = bits & 4;
	s.block_size = bits & 2 ? 4096 : 512;
	s.generation = take_u64(&data, &size);
	s.volume_generation = take_u64(&data, &size);
	s.size = take_u64(&data, &size) & ~(uint64_t)(s.block_size - 1);
	if (cbs_proto_decode_request(data, size, &req))
		return;
	if (cbs_proto_payload_len(&req) > CBS_PROTO_MAX_LEN)
		abort();
	if (cbs_proto_check_request(&req, &s) || s.admin || req.op == CBS_OP_FLUSH)
		return;
	if (req.op == CBS_OP_SNAPSHOT) {
		if (!s.replica || req.offset || req.length != CBS_PROTO_NAME_LEN)
			abort();
		return;
	}
	if (req.generation < s.volume_generation || !req.length ||
	    req.length > CBS_PROTO_MAX_LEN || req.offset % s.block_size ||
	    req.offset > s.size || req.length > s.size - req.offset)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbs_hello_req hello;
	struct cbs_admin_req admin;

	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (cbs_proto_check_hello(data + 1, size - 1, &hello))
			break;
		if (hello.admin ? hello.session || hello.generation || hello.name[0] :
		    !cbs_proto_name_ok(hello.name) || !hello.generation)
			abort();
		break;
	case 1:
		fuzz_request(data + 1, size - 1);
		break;
	default:
		if (size >= 2 && !cbs_proto_check_admin(16 + data[1] % 4, data + 2, size - 2, &admin) &&
		    !cbs_proto_name_ok(admin.name))
			abort();
		break;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the cbs wire-frame checks in lib/cbs_proto.c. */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/cbs_proto.h"
#include "storage/attempt.h"

#define VOL_SIZE (1ULL << 30)

static const struct cbs_session vol_session = {
	.generation = 5,
	.volume_generation = 5,
	.size = VOL_SIZE,
	.block_size = 4096,
};

static const struct cbs_session admin_session = { .admin = true };

static struct cbs_request frame(uint16_t op, uint64_t offset, uint32_t length)
{
	struct cbs_request r = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(op),
		.handle = htole64(0x1122334455667788ULL),
		.offset = htole64(offset),
		.generation = htole64(5),
		.length = htole32(length),
	};

	return r;
}

/* Decode, then check against s: the result of whichever fails first. */
static int check(const struct cbs_request *r, const struct cbs_session *s)
{
	struct cbs_req req;
	int ret;

	ret = cbs_proto_decode_request(r, sizeof(*r), &req);
	return ret ? ret : cbs_proto_check_request(&req, s);
}

static int check_io(uint16_t op, uint64_t offset, uint32_t length)
{
	struct cbs_request r = frame(op, offset, length);

	return check(&r, &vol_session);
}

static void good_requests(void **state)
{
	struct cbs_request r = frame(CBS_OP_WRITE, 8192, 4096);
	struct cbs_req req;

	(void)state;
	assert_int_equal(cbs_proto_decode_request(&r, sizeof(r), &req), 0);
	assert_int_equal(req.handle, 0x1122334455667788ULL);
	assert_int_equal(req.offset, 8192);
	assert_int_equal(req.length, 4096);
	assert_int_equal(cbs_proto_payload_len(&req), 4096);
	assert_int_equal(cbs_proto_check_request(&req, &vol_session), 0);
	assert_int_equal(check_io(CBS_OP_READ, 0, 4096), 0);
	assert_int_equal(check_io(CBS_OP_READ, VOL_SIZE - 4096, 4096), 0);
	assert_int_equal(check_io(CBS_OP_READ, 0, CBS_PROTO_MAX_LEN), 0);
	assert_int_equal(check_io(CBS_OP_FLUSH, 0, 0), 0);
	assert_int_equal(check_io(CBS_OP_DISCARD, 4096, 1 << 20), 0);
	assert_int_equal(check_io(CBS_OP_WRITE_ZEROES, 0, 4096), 0);
	r = frame(CBS_OP_WRITE, 0, 4096);
	r.flags = htole16(CBS_REQ_F_FUA);
	assert_int_equal(check(&r, &vol_session), 0);
	r = frame(CBS_OP_LIST, 0, 0);
	r.generation = 0;
	assert_int_equal(check(&r, &admin_session), 0);
}

static void framing_errors_close(void **state)
{
	struct cbs_request r = frame(CBS_OP_READ, 0, 4096);
	struct cbs_req req;

	(void)state;
	r.magic = htole32(0xdeadbeef);
	assert_int_equal(check(&r, &vol_session), -EPROTO);
	r = frame(CBS_OP_READ, 0, 4096);
	assert_int_equal(cbs_proto_decode_request(&r, sizeof(r) - 1, &req), -EPROTO);
	/* A payload too large to skip. */
	r = frame(CBS_OP_WRITE, 0, CBS_PROTO_MAX_LEN + 4096);
	assert_int_equal(check(&r, &vol_session), -EPROTO);
	r = frame(CBS_OP_CREATE, 0, 0xffffffff);
	assert_int_equal(check(&r, &admin_session), -EPROTO);
}

static void bad_op_and_flags(void **state)
{
	struct cbs_request r = frame(CBS_OP_READ, 0, 4096);

	(void)state;
	assert_int_equal(check_io(99, 0, 4096), -EOPNOTSUPP);
	assert_int_equal(check_io(CBS_OP_DIRTY + 1, 0, 0), -EOPNOTSUPP);
	r.flags = htole16(0x8000);
	assert_int_equal(check(&r, &vol_session), -EINVAL);
	r = frame(CBS_OP_READ, 0, 4096);
	r.flags = htole16(CBS_REQ_F_FUA);
	assert_int_equal(check(&r, &vol_session), -EINVAL);
	r = frame(CBS_OP_READ, 0, 4096);
	r.reserved = htole32(1);
	assert_int_equal(check(&r, &vol_session), -EINVAL);
}

static void lengths_and_offsets(void **state)
{
	(void)state;
	assert_int_equal(check_io(CBS_OP_READ, 0, 0), -EINVAL);
	assert_int_equal(check_io(CBS_OP_WRITE, 0, 0), -EINVAL);
	assert_int_equal(check_io(CBS_OP_DISCARD, 0, 0), -EINVAL);
	assert_int_equal(check_io(CBS_OP_READ, 0, CBS_PROTO_MAX_LEN + 4096), -EINVAL);
	/* Unaligned to the 4096-byte block size. */
	assert_int_equal(check_io(CBS_OP_READ, 512, 4096), -EINVAL);
	assert_int_equal(check_io(CBS_OP_READ, 0, 512), -EINVAL);
	/* Past the end, and offset + length wrapping around 2^64. */
	assert_int_equal(check_io(CBS_OP_READ, VOL_SIZE, 4096), -EINVAL);
	assert_int_equal(check_io(CBS_OP_WRITE, VOL_SIZE - 4096, 8192), -EINVAL);
	assert_int_equal(check_io(CBS_OP_READ, UINT64_MAX - 4095, 4096), -EINVAL);
	assert_int_equal(check_io(CBS_OP_DISCARD, 1ULL << 63, 4096), -EINVAL);
	assert_int_equal(check_io(CBS_OP_FLUSH, 4096, 0), -EINVAL);
	assert_int_equal(check_io(CBS_OP_FLUSH, 0, 4096), -EINVAL);
}

static void generations(void **state)
{
	struct cbs_session fenced = vol_session;
	struct cbs_request r = frame(CBS_OP_WRITE, 0, 4096);

	(void)state;
	/* Another client raised the volume's generation: this one is stale. */
	fenced.volume_generation = 6;
	assert_int_equal(check(&r, &fenced), -ESTALE);
	r.generation = htole64(4);
	assert_int_equal(check(&r, &vol_session), -ESTALE);
	/* Not the generation this session was opened with. */
	r.generation = htole64(7);
	assert_int_equal(check(&r, &vol_session), -EINVAL);
}

static void session_kinds(void **state)
{
	struct cbs_request r = frame(CBS_OP_CREATE, 0, sizeof(struct cbs_admin_volume));

	(void)state;
	r.generation = 0;
	assert_int_equal(check(&r, &vol_session), -EPERM);
	assert_int_equal(check(&r, &admin_session), 0);
	r.length = htole32(sizeof(struct cbs_admin_volume) - 1);
	assert_int_equal(check(&r, &admin_session), -EINVAL);
	r = frame(CBS_OP_READ, 0, 4096);
	assert_int_equal(check(&r, &admin_session), -EPERM);
	r = frame(CBS_OP_LIST, 0, 4096);
	r.generation = 0;
	assert_int_equal(check(&r, &admin_session), -EINVAL);
}

static struct cbs_hello hello(const char *name, const char *token, uint64_t gen)
{
	struct cbs_hello h = {
		.magic = htole32(CBS_HELLO_MAGIC),
		.version = htole16(CBS_PROTO_VERSION),
		.generation = htole64(gen),
	};

	strncpy(h.name, name, sizeof(h.name) - 1);
	strncpy(h.token, token, sizeof(h.token) - 1);
	return h;
}

static void hellos(void **state)
{
	struct cbs_hello h = hello("vol-1", "t0k3n", 3);
	struct cbs_hello_req out;

	(void)state;
	h.session = htole64(0x8877665544332211ULL);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), 0);
	assert_string_equal(out.name, "vol-1");
	assert_string_equal(out.token, "t0k3n");
	assert_int_equal(out.generation, 3);
	assert_int_equal(out.session, 0x8877665544332211ULL);
	assert_false(out.admin);
	/* A volume session without a session id: no ordering rule, still valid. */
	h = hello("vol-1", "t0k3n", 3);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), 0);
	assert_int_equal(out.session, 0);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h) - 1, &out), -EPROTO);
	/* Version 1's hello was 8 bytes shorter. */
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h) - 8, &out), -EPROTO);
	h.magic = htole32(CBS_REQUEST_MAGIC);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EPROTO);
	h = hello("vol-1", "t0k3n", 3);
	h.version = htole16(1);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EPROTONOSUPPORT);
	h.version = htole16(CBS_PROTO_VERSION + 1);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EPROTONOSUPPORT);
	h = hello("vol-1", "t0k3n", 0);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	h = hello("../etc", "t0k3n", 1);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	h = hello("vol-1", "", 1);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	/* Fields without a terminating NUL. */
	h = hello("vol-1", "t0k3n", 1);
	memset(h.name, 'a', sizeof(h.name));
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	h = hello("vol-1", "t0k3n", 1);
	memset(h.token, 'a', sizeof(h.token));
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	/* Admin: no volume name, generation 0. */
	h = hello("", "admin", 0);
	h.flags = htole16(CBS_HELLO_F_ADMIN);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), 0);
	assert_true(out.admin);
	assert_int_equal(out.session, 0);
	/* Admin sessions never carry a session id. */
	h.session = htole64(1);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	h = hello("vol-1", "admin", 0);
	h.flags = htole16(CBS_HELLO_F_ADMIN);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
	h = hello("vol-1", "t0k3n", 1);
	h.flags = htole16(0x10);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), -EINVAL);
}

static struct cbs_admin_volume admin_vol(const char *name, uint64_t size, uint32_t bs,
					 const char *token)
{
	struct cbs_admin_volume v = {
		.size = htole64(size),
		.block_size = htole32(bs),
	};

	strncpy(v.name, name, sizeof(v.name));
	strncpy(v.token, token, sizeof(v.token));
	return v;
}

/* What a client encodes, the server's check takes back unchanged. */
static void hello_round_trip(void **state)
{
	struct cbs_hello_req in = { .generation = 7, .session = 0x1122334455667788ULL };
	struct cbs_hello_req out;
	struct cbs_hello h;

	(void)state;
	strcpy(in.name, "vol-1");
	strcpy(in.token, "t0k3n");
	cbs_proto_encode_hello(&in, &h);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), 0);
	assert_false(out.admin);
	assert_int_equal(out.generation, in.generation);
	assert_int_equal(out.session, in.session);
	assert_memory_equal(out.name, in.name, sizeof(in.name));
	assert_memory_equal(out.token, in.token, sizeof(in.token));
	/* Admin; fields without a NUL are cut to fit one, never sent unended. */
	memset(&in, 0, sizeof(in));
	in.admin = true;
	memset(in.token, 'a', sizeof(in.token));
	cbs_proto_encode_hello(&in, &h);
	assert_int_equal(cbs_proto_check_hello(&h, sizeof(h), &out), 0);
	assert_true(out.admin);
	assert_int_equal(strlen(out.token), CBS_PROTO_TOKEN_LEN - 1);
}

static void admin_payloads(void **state)
{
	struct cbs_admin_volume v = admin_vol("v", 1ULL << 40, 4096, "tok");
	struct cbs_admin_req out;

	(void)state;
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), 0);
	assert_int_equal(out.size, 1ULL << 40);
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v) - 1, &out), -EINVAL);
	v = admin_vol("v", 4096 + 512, 4096, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("v", 4096, 1024, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("v", 1ULL << 63, 4096, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("v", 0, 4096, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("v", 4096, 4096, "");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol(".hidden", 4096, 4096, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("a/b", 4096, 4096, "tok");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_CREATE, &v, sizeof(v), &out), -EINVAL);
	v = admin_vol("v", 0, 0, "");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_DELETE, &v, sizeof(v), &out), 0);
	v = admin_vol("v", 8192, 0, "");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_RESIZE, &v, sizeof(v), &out), 0);
	v = admin_vol("v", 0, 0, "");
	assert_int_equal(cbs_proto_check_admin(CBS_OP_RESIZE, &v, sizeof(v), &out), -EINVAL);
	assert_int_equal(cbs_proto_check_admin(CBS_OP_READ, &v, sizeof(v), &out), -EINVAL);
}

static void attempt_order(void **state)
{
	(void)state;
	assert_true(cbs_proto_attempt_older(1, 2));
	assert_false(cbs_proto_attempt_older(2, 1));
	assert_false(cbs_proto_attempt_older(7, 7));
	/* Across the wrap: 0 came after 0xffffffff. */
	assert_true(cbs_proto_attempt_older(0xffffffff, 0));
	assert_false(cbs_proto_attempt_older(0, 0xffffffff));
	assert_true(cbs_proto_attempt_older(0x7ffffff0, 0x80000010));
	assert_int_equal(cbs_proto_handle_slot(0x0000000500010007ULL), 0x00010007);
	assert_int_equal(cbs_proto_handle_attempt(0x0000000500010007ULL), 5);
	assert_true(cbs_proto_op_mutates(CBS_OP_WRITE));
	assert_true(cbs_proto_op_mutates(CBS_OP_WRITE_ZEROES));
	assert_true(cbs_proto_op_mutates(CBS_OP_DISCARD));
	assert_false(cbs_proto_op_mutates(CBS_OP_READ));
	assert_false(cbs_proto_op_mutates(CBS_OP_FLUSH));
}

#define HANDLE(attempt, slot) ((uint64_t)(attempt) << 32 | (slot))

/* attempt_lock(), and the unlock that a claim needs. */
static int claim(struct attempt_table *t, uint64_t handle)
{
	int ret = attempt_lock(t, handle);

	if (!ret)
		attempt_unlock(t, handle);
	return ret;
}

static void attempt_tables(void **state)
{
	struct attempt_table *tables = NULL, *a, *a2, *b;

	(void)state;
	a = attempt_table_get(&tables, 42);
	a2 = attempt_table_get(&tables, 42);
	b = attempt_table_get(&tables, 43);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(a, a2);
	assert_ptr_not_equal(a, b);

	assert_int_equal(claim(a, HANDLE(2, 7)), 0);
	assert_int_equal(claim(a, HANDLE(1, 7)), -ECANCELED);
	/* The same attempt again (a large write's next part) and newer ones pass. */
	assert_int_equal(claim(a, HANDLE(2, 7)), 0);
	assert_int_equal(claim(a, HANDLE(3, 7)), 0);
	assert_int_equal(claim(a, HANDLE(2, 7)), -ECANCELED);
	/* Other slots, and the same slot in another session, are apart. */
	assert_int_equal(claim(a, HANDLE(1, 8)), 0);
	assert_int_equal(claim(a, HANDLE(1, 0x10007)), 0);
	assert_int_equal(claim(b, HANDLE(1, 7)), 0);
	/* Wraparound. */
	assert_int_equal(claim(a, HANDLE(0xffffffff, 9)), 0);
	assert_int_equal(claim(a, HANDLE(0, 9)), 0);
	assert_int_equal(claim(a, HANDLE(0xffffffff, 9)), -ECANCELED);

	/* A session's table lives while any of its connections does. */
	attempt_table_put(&tables, a2);
	assert_int_equal(claim(a, HANDLE(1, 7)), -ECANCELED);
	attempt_table_put(&tables, a);
	assert_ptr_equal(tables, b);
	a = attempt_table_get(&tables, 42);
	assert_int_equal(claim(a, HANDLE(1, 7)), 0);
	attempt_table_put(&tables, a);
	attempt_table_put(&tables, b);
	assert_null(tables);
}

static void attempt_slot_cap(void **state)
{
	struct attempt_table *tables = NULL, *t;
	uint32_t slot;

	(void)state;
	t = attempt_table_get(&tables, 1);
	assert_non_null(t);
	for (slot = 0; slot < ATTEMPT_MAX_SLOTS; slot++)
		assert_int_equal(claim(t, HANDLE(1, slot * 977)), 0);
	assert_int_equal(claim(t, HANDLE(1, 0xfffffff0)), -ENOBUFS);
	/* Slots it already has go on working. */
	assert_int_equal(claim(t, HANDLE(2, 977)), 0);
	assert_int_equal(claim(t, HANDLE(1, 977)), -ECANCELED);
	attempt_table_put(&tables, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_requests),
		cmocka_unit_test(framing_errors_close),
		cmocka_unit_test(bad_op_and_flags),
		cmocka_unit_test(lengths_and_offsets),
		cmocka_unit_test(generations),
		cmocka_unit_test(session_kinds),
		cmocka_unit_test(hellos),
		cmocka_unit_test(hello_round_trip),
		cmocka_unit_test(admin_payloads),
		cmocka_unit_test(attempt_order),
		cmocka_unit_test(attempt_tables),
		cmocka_unit_test(attempt_slot_cap),
	};

	return cmocka_run_group_tests_name("cbs_proto", tests, NULL, NULL);
}

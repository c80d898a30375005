/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write ordering within a session (Documentation/cbs-protocol.md, "Sessions
 * and attempts").  All connections of one client device carry the same
 * session id, and each request's handle is (attempt << 32 | slot): a retry
 * of a request keeps its slot and gets a newer attempt.  Per (volume,
 * session) this table holds the newest attempt begun for each slot, and a
 * write of an older attempt is refused, so a late first attempt, still
 * queued on a connection the client gave up on, never lands over its retry
 * or over anything written after it.
 *
 * Atomicity: claiming a slot locks it (one of ATTEMPT_STRIPES mutexes, by
 * slot) until the caller's write step is done.  A newer attempt's claim
 * waits for that step; an older attempt that claimed first has landed
 * before the newer one's data.  The lock is never held while waiting for
 * the network, so a stalled client holds up no one.
 */
#ifndef NIMBUS_CBS_ATTEMPT_H
#define NIMBUS_CBS_ATTEMPT_H

#include <stdint.h>

/*
 * Slots a session may use.  cbs.ko uses at most 16 hardware queues x 128
 * tags; a client that sends more new slots gets ENOBUFS for them rather
 * than growing the table without bound.
 */
#define ATTEMPT_MAX_SLOTS 4096

struct attempt_table;

/*
 * The table of session on the list *tables, made if there is none; one
 * reference for the caller, dropped with attempt_table_put().  NULL if out
 * of memory.  The caller serialises all gets and puts on one list.
 */
struct attempt_table *attempt_table_get(struct attempt_table **tables, uint64_t session);
/* Drop a reference; the last one frees the table and unlinks it. */
void attempt_table_put(struct attempt_table **tables, struct attempt_table *t);

/*
 * Claim handle's slot for its attempt.  0: the attempt is the slot's
 * newest (or equal to it), and the slot stays locked until
 * attempt_unlock(); do the write step in between.  -ECANCELED: a newer
 * attempt has begun for the slot.  -ENOBUFS: a new slot over
 * ATTEMPT_MAX_SLOTS.  -ENOMEM.  Not locked on error.
 */
int attempt_lock(struct attempt_table *t, uint64_t handle);
void attempt_unlock(struct attempt_table *t, uint64_t handle);

#endif /* NIMBUS_CBS_ATTEMPT_H */

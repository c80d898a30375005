/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client connections: one thread each, with blocking socket I/O.  A thread
 * per connection because every request ends in a blocking file operation
 * (pread, pwrite, fdatasync) anyway: separate threads let one connection's
 * fdatasync overlap another's reads, which cbs.ko's one connection per
 * hardware queue needs, with straight-line code that is easy to check.
 */
#ifndef NIMBUS_CBS_CONN_H
#define NIMBUS_CBS_CONN_H

/* admin_token: NUL-padded to CBS_PROTO_TOKEN_LEN; copied. */
void conn_init(const char *admin_token, unsigned int max_conns);

/* Serve fd on a new thread (which closes it); 0 or -errno. */
int conn_start(int fd, const char *peer);

/* Shut every connection down and wait for their threads to finish. */
void conn_stop_all(void);

#endif /* NIMBUS_CBS_CONN_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal client of cbs-server's admin session (Documentation/
 * cbs-protocol.md): create and delete a volume.  Each call opens one TCP
 * connection, does the handshake with the server's admin token, sends one
 * request and closes; every step is bounded by TIMEOUT_MS.
 */
#ifndef NIMBUS_CBSADM_H
#define NIMBUS_CBSADM_H

#include <stddef.h>
#include <stdint.h>

/*
 * 0; a positive errno that the server answered (EEXIST, ENOSPC, EACCES for
 * a wrong admin token ...); or a negative errno when the server could not
 * be reached or spoke no protocol we know.  ERR says which, for a human.
 */
int cbsadm_create(const char *address, const char *admin_token, const char *name,
		  const char *token, uint64_t size, uint32_t block_size, int timeout_ms,
		  char *err, size_t errlen);
int cbsadm_delete(const char *address, const char *admin_token, const char *name,
		  int timeout_ms, char *err, size_t errlen);

#endif /* NIMBUS_CBSADM_H */

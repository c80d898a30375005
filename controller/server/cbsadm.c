// SPDX-License-Identifier: GPL-2.0
/* The cbs-server admin client: see cbsadm.h. */
#include "controller/server/cbsadm.h"

#include <endian.h>
#include <errno.h>
#include <linux/cbs_proto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/cbs_client.h"
#include "lib/sock.h"

/* One admin request OP with payload VOL on a new session to ADDRESS. */
static int admin_op(const char *address, const char *admin_token, uint16_t op,
		    const struct cbs_admin_volume *vol, int timeout_ms, char *err, size_t errlen)
{
	struct cbs_hello_req hello = { .admin = true };	/* admin sessions carry no session */
	struct cbs_hello_reply hr;
	int fd, ret;

	snprintf(hello.token, sizeof(hello.token), "%s", admin_token);
	fd = nb_sock_connect(address, timeout_ms);
	if (fd < 0) {
		snprintf(err, errlen, "storage server %s: %s", address, strerror(-fd));
		return fd;
	}
	ret = cbs_client_hello(fd, &hello, &hr);
	explicit_bzero(hello.token, sizeof(hello.token));
	if (ret == -EPROTO)
		snprintf(err, errlen, "storage server %s: not a cbs-server", address);
	else if (ret < 0)
		snprintf(err, errlen, "storage server %s: handshake: %s", address, strerror(-ret));
	else if (ret > 0)
		snprintf(err, errlen, "storage server %s refused the admin session: %s", address,
			 ret == EACCES ? "wrong admin token" : strerror(ret));
	if (ret)
		goto out;
	ret = cbs_client_admin(fd, op, vol, vol ? sizeof(*vol) : 0, NULL, NULL);
	if (ret == -EPROTO)
		snprintf(err, errlen, "storage server %s: malformed reply", address);
	else if (ret)
		snprintf(err, errlen, "storage server %s: %s", address, strerror(ret < 0 ? -ret : ret));
out:
	close(fd);
	return ret;
}

int cbsadm_create(const char *address, const char *admin_token, const char *name,
		  const char *token, uint64_t size, uint32_t block_size, int timeout_ms,
		  char *err, size_t errlen)
{
	struct cbs_admin_volume vol = {
		.size = htole64(size),
		.block_size = htole32(block_size),
	};

	snprintf(vol.name, sizeof(vol.name), "%s", name);
	snprintf(vol.token, sizeof(vol.token), "%s", token);
	return admin_op(address, admin_token, CBS_OP_CREATE, &vol, timeout_ms, err, errlen);
}

int cbsadm_delete(const char *address, const char *admin_token, const char *name,
		  int timeout_ms, char *err, size_t errlen)
{
	struct cbs_admin_volume vol = { 0 };

	snprintf(vol.name, sizeof(vol.name), "%s", name);
	return admin_op(address, admin_token, CBS_OP_DELETE, &vol, timeout_ms, err, errlen);
}

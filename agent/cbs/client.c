// SPDX-License-Identifier: GPL-2.0
/* The client side of cbs-server's admin sessions (linux/cbs_proto.h). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sock.h"
#include "agent/cbs/cbs.h"

int cbs_admin_connect(const char *server, const char *admin_token)
{
	struct cbs_hello h = {
		.magic = htole32(CBS_HELLO_MAGIC),
		.version = htole16(CBS_PROTO_VERSION),
		.flags = htole16(CBS_HELLO_F_ADMIN),
	};
	struct cbs_hello_reply rep;
	int fd, ret;

	memcpy(h.token, admin_token, sizeof(h.token));
	fd = cbs_addr_connect(server);
	if (fd < 0)
		return fd;
	ret = cbs_send_all(fd, &h, sizeof(h), 0);
	explicit_bzero(&h, sizeof(h));
	if (!ret)
		ret = cbs_recv_all(fd, &rep, sizeof(rep));
	if (!ret && (le32toh(rep.magic) != CBS_HELLO_REPLY_MAGIC ||
		     le16toh(rep.version) != CBS_PROTO_VERSION))
		ret = -EPROTO;
	if (!ret && rep.error)
		ret = -(int)le32toh(rep.error);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int cbs_admin_call(int fd, uint16_t op, const struct cbs_admin_volume *arg,
		   void **reply, uint32_t *reply_len)
{
	struct cbs_request req = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(op),
		.handle = htole64(1),
		.length = htole32(arg ? sizeof(*arg) : 0),
	};
	struct cbs_reply rep;
	uint32_t len;
	void *buf;
	int ret;

	ret = cbs_send_all(fd, &req, sizeof(req), 0);
	if (!ret && arg)
		ret = cbs_send_all(fd, arg, sizeof(*arg), 0);
	if (!ret)
		ret = cbs_recv_all(fd, &rep, sizeof(rep));
	if (ret)
		return ret;
	len = le32toh(rep.length);
	if (le32toh(rep.magic) != CBS_REPLY_MAGIC || le64toh(rep.handle) != 1 ||
	    len > CBS_PROTO_MAX_LEN || (len && !reply))
		return -EPROTO;
	if (rep.error)
		return -(int)le32toh(rep.error);
	if (!reply)
		return 0;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	ret = cbs_recv_all(fd, buf, len);
	if (ret) {
		free(buf);
		return ret;
	}
	*reply = buf;
	*reply_len = len;
	return 0;
}

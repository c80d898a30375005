// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cbs_client.h"
#include "lib/sock.h"

/* The server's error field: a positive errno, or -EPROTO for no errno at all. */
static int server_error(__le32 error)
{
	uint32_t err = le32toh(error);

	return err < 4096 ? (int)err : -EPROTO;
}

int cbs_client_hello(int fd, const struct cbs_hello_req *hello, struct cbs_hello_reply *rep)
{
	struct cbs_hello h;
	int ret;

	cbs_proto_encode_hello(hello, &h);
	ret = nb_send_all(fd, &h, sizeof(h), 0);
	explicit_bzero(&h, sizeof(h));
	if (!ret)
		ret = nb_recv_all(fd, rep, sizeof(*rep));
	return ret ? ret : cbs_client_hello_reply(rep);
}

int cbs_client_hello_reply(const struct cbs_hello_reply *rep)
{
	if (le32toh(rep->magic) != CBS_HELLO_REPLY_MAGIC)
		return -EPROTO;
	/* A server of another version says so in its refusal: EPROTONOSUPPORT. */
	if (rep->error)
		return server_error(rep->error);
	if (le16toh(rep->version) != CBS_PROTO_VERSION)
		return -EPROTO;
	return 0;
}

int cbs_client_connect(const char *server, int timeout_ms,
		       const struct cbs_hello_req *hello, struct cbs_hello_reply *rep)
{
	int fd, ret;

	fd = nb_sock_connect(server, timeout_ms);
	if (fd < 0)
		return fd;
	ret = cbs_client_hello(fd, hello, rep);
	if (ret) {
		close(fd);
		return ret > 0 ? -ret : ret;
	}
	return fd;
}

int cbs_client_admin(int fd, uint16_t op, const void *arg, uint32_t arg_len,
		     void **reply, uint32_t *reply_len)
{
	struct cbs_request req = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(op),
		.handle = htole64(1),
		.length = htole32(arg ? arg_len : 0),
	};
	struct cbs_reply rep;
	uint32_t len;
	void *buf;
	int ret;

	ret = nb_send_all(fd, &req, sizeof(req), 0);
	if (!ret && arg)
		ret = nb_send_all(fd, arg, arg_len, 0);
	if (!ret)
		ret = nb_recv_all(fd, &rep, sizeof(rep));
	if (ret)
		return ret;
	len = le32toh(rep.length);
	if (le32toh(rep.magic) != CBS_REPLY_MAGIC || le64toh(rep.handle) != 1 ||
	    len > CBS_PROTO_MAX_LEN || (len && !reply))
		return -EPROTO;
	if (rep.error)
		return server_error(rep.error);
	if (!reply)
		return 0;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	ret = nb_recv_all(fd, buf, len);
	if (ret) {
		free(buf);
		return ret;
	}
	*reply = buf;
	*reply_len = len;
	return 0;
}

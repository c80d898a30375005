// SPDX-License-Identifier: GPL-2.0
/* The cbs-server admin client: see cbsadm.h. */
#include "controller/server/cbsadm.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/cbs_proto.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/addr.h"

/* ADDRESS is "IPv4:PORT" or "[IPv6]:PORT" (checked when it was registered). */
static int sockaddr_of(const char *address, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[NB_ADDR_STRLEN + 2];
	const char *colon = strrchr(address, ':');
	struct nb_addr a;
	size_t hl;
	int port;

	if (!colon || (size_t)(colon - address) >= sizeof(host))
		return -EINVAL;
	hl = (size_t)(colon - address);
	memcpy(host, address, hl);
	host[hl] = '\0';
	port = atoi(colon + 1);
	if (host[0] == '[' && hl > 2) {
		host[hl - 1] = '\0';
		memmove(host, host + 1, hl - 1);
	}
	if (nb_addr_parse(host, &a))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (a.family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, a.b, 4);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		memcpy(&in6->sin6_addr, a.b, 16);
		*len = sizeof(*in6);
	}
	return 0;
}

static int connect_timeout(const char *address, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	struct pollfd pfd;
	socklen_t len;
	int fd, ret, soerr = 0;
	socklen_t sl = sizeof(soerr);

	ret = sockaddr_of(address, &ss, &len);
	if (ret)
		return ret;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	ret = poll(&pfd, 1, timeout_ms);
	if (ret == 0)
		errno = ETIMEDOUT;
	if (ret <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		goto fail;
	if (soerr) {
		errno = soerr;
		goto fail;
	}
	/* Blocking from here on, each send and receive bounded by the timeout. */
	if (fcntl(fd, F_SETFL, 0) || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto fail;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One admin request OP with payload VOL on a new session to ADDRESS. */
static int admin_op(const char *address, const char *admin_token, uint16_t op,
		    const struct cbs_admin_volume *vol, int timeout_ms, char *err, size_t errlen)
{
	struct cbs_hello hello = {
		.magic = htole32(CBS_HELLO_MAGIC),
		.version = htole16(CBS_PROTO_VERSION),
		.flags = htole16(CBS_HELLO_F_ADMIN),
		.session = 0,		/* admin sessions carry none */
	};
	struct cbs_hello_reply hr;
	struct cbs_request req = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(op),
		.handle = htole64(1),
		.length = htole32(sizeof(*vol)),
	};
	struct cbs_reply rep;
	int fd, ret;

	snprintf(hello.token, sizeof(hello.token), "%s", admin_token);
	fd = connect_timeout(address, timeout_ms);
	if (fd < 0) {
		snprintf(err, errlen, "storage server %s: %s", address, strerror(-fd));
		return fd;
	}
	ret = send_all(fd, &hello, sizeof(hello));
	if (!ret)
		ret = recv_all(fd, &hr, sizeof(hr));
	if (ret) {
		snprintf(err, errlen, "storage server %s: handshake: %s", address, strerror(-ret));
		goto out;
	}
	if (le32toh(hr.magic) != CBS_HELLO_REPLY_MAGIC) {
		snprintf(err, errlen, "storage server %s: not a cbs-server", address);
		ret = -EPROTO;
		goto out;
	}
	if (hr.error) {
		ret = (int)le32toh(hr.error);
		snprintf(err, errlen, "storage server %s refused the admin session: %s", address,
			 ret == EACCES ? "wrong admin token" : strerror(ret));
		goto out;
	}
	ret = send_all(fd, &req, sizeof(req));
	if (!ret)
		ret = send_all(fd, vol, sizeof(*vol));
	if (!ret)
		ret = recv_all(fd, &rep, sizeof(rep));
	if (ret) {
		snprintf(err, errlen, "storage server %s: %s", address, strerror(-ret));
		goto out;
	}
	if (le32toh(rep.magic) != CBS_REPLY_MAGIC || le64toh(rep.handle) != 1) {
		snprintf(err, errlen, "storage server %s: malformed reply", address);
		ret = -EPROTO;
		goto out;
	}
	ret = (int)le32toh(rep.error);
	if (ret)
		snprintf(err, errlen, "storage server %s: %s", address, strerror(ret));
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

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "lib/sock.h"

int nb_sock_resolve(const char *s, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
	};
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t len;

	if (!colon || !colon[1] || colon == s)
		return -EINVAL;
	len = (size_t)(colon - s);
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return -EINVAL;
		s++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	return getaddrinfo(host, colon + 1, &hints, res) ? -EINVAL : 0;
}

/* connect() within TIMEOUT_MS, then blocking with each send and receive bounded by it. */
static int connect_timeout(int fd, const struct addrinfo *ai, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int ret;

	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		return -errno;
	ret = poll(&pfd, 1, timeout_ms);
	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return -errno;
	ret = nb_sock_connected(fd);
	if (ret)
		return ret;
	if (fcntl(fd, F_SETFL, 0) || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int nb_sock_connect(const char *s, int timeout_ms)
{
	struct addrinfo *res;
	int fd, one = 1, ret;

	ret = nb_sock_resolve(s, false, &res);
	if (ret)
		return ret;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (timeout_ms > 0)
		ret = connect_timeout(fd, res, timeout_ms);
	else if (connect(fd, res->ai_addr, res->ai_addrlen))
		ret = -errno;
	if (ret) {
		close(fd);
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ret = fd;
out:
	freeaddrinfo(res);
	return ret;
}

int nb_sock_connect_start(const char *s)
{
	struct addrinfo *res;
	int fd, one = 1, ret;

	ret = nb_sock_resolve(s, false, &res);
	if (ret)
		return ret;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
	} else if (connect(fd, res->ai_addr, res->ai_addrlen) && errno != EINPROGRESS) {
		ret = -errno;
		close(fd);
	} else {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ret = fd;
	}
	freeaddrinfo(res);
	return ret;
}

int nb_sock_connected(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(int);
	int soerr = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		return -errno;
	if (soerr)
		return -soerr;
	/*
	 * connect() again: the socket stays SS_CONNECTING after a
	 * non-blocking connect until it is asked again, and cbs.ko takes
	 * only SS_CONNECTED sockets.  Connected, it answers 0 (or EISCONN).
	 */
	len = sizeof(peer);
	if (getpeername(fd, (struct sockaddr *)&peer, &len))
		return -errno;
	if (connect(fd, (struct sockaddr *)&peer, len) && errno != EISCONN)
		return -errno;
	return 0;
}

void nb_sock_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(buf, size, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%s", host, serv);
	else
		snprintf(buf, size, "%s:%s", host, serv);
}

int nb_send_all(int fd, const void *buf, size_t len, int flags)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int nb_recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
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

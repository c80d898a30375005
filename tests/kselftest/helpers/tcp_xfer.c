// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_xfer: move a known stream of bytes over one TCP connection and say
 * what went through, so a test can compare both ends.  A small C program
 * because an interpreter takes seconds to start in the test VM.
 *
 *   tcp_xfer recv ADDR PORT       accept one connection, read it to the end
 *   tcp_xfer send ADDR PORT BYTES connect (retrying for up to 60 s, the
 *                                 receiver may still be starting), send
 *
 * Both print "BYTES HASH" (a 64-bit FNV-1a of the stream) and exit 0, or
 * print the failing call and exit 1.  ADDR is IPv4 or IPv6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64 * 1024)
#define ACCEPT_SECS	120
#define IO_SECS		60
#define CONNECT_SECS	60

struct stream {
	uint64_t bytes;
	uint64_t hash;
};

static void stream_init(struct stream *s)
{
	s->bytes = 0;
	s->hash = 0xcbf29ce484222325ULL;
}

static void stream_add(struct stream *s, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		s->hash = (s->hash ^ buf[i]) * 0x100000001b3ULL;
	s->bytes += len;
}

static int fail(const char *what)
{
	fprintf(stderr, "tcp_xfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static int resolve(const char *addr, const char *port, struct addrinfo **ai)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	int ret = getaddrinfo(addr, port, &hints, ai);

	if (ret)
		fprintf(stderr, "tcp_xfer: bad address %s port %s: %s\n", addr,
			port, gai_strerror(ret));
	return ret ? -1 : 0;
}

static void set_timeout(int fd, int optname, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, optname, &tv, sizeof(tv));
}

static int do_recv(const char *addr, const char *port)
{
	static unsigned char buf[CHUNK];
	struct pollfd pfd = { .events = POLLIN };
	struct addrinfo *ai;
	struct stream s;
	int one = 1, fd, conn;
	ssize_t n;

	if (resolve(addr, port, &ai))
		return 1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1))
		return fail("bind/listen");
	freeaddrinfo(ai);
	pfd.fd = fd;
	if (poll(&pfd, 1, ACCEPT_SECS * 1000) != 1) {
		errno = ETIMEDOUT;
		return fail("accept");
	}
	conn = accept(fd, NULL, NULL);
	if (conn < 0)
		return fail("accept");
	set_timeout(conn, SO_RCVTIMEO, IO_SECS);
	stream_init(&s);
	while ((n = read(conn, buf, sizeof(buf))) > 0)
		stream_add(&s, buf, (size_t)n);
	if (n < 0)
		return fail("read");
	printf("%" PRIu64 " %016" PRIx64 "\n", s.bytes, s.hash);
	close(conn);
	close(fd);
	return 0;
}

static int connect_retrying(const struct addrinfo *ai)
{
	time_t deadline = time(NULL) + CONNECT_SECS;
	struct timespec pause = { .tv_nsec = 100 * 1000 * 1000 };
	int fd;

	for (;;) {
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			return fd;
		close(fd);
		if (time(NULL) > deadline)
			return -1;
		nanosleep(&pause, NULL);
	}
}

static int do_send(const char *addr, const char *port, const char *count)
{
	static unsigned char buf[CHUNK];
	uint64_t left, x = 0x9e3779b97f4a7c15ULL;
	struct addrinfo *ai;
	struct stream s;
	char *end;
	size_t len, i;
	int fd;

	errno = 0;
	left = strtoull(count, &end, 10);
	if (errno || *end || !*count) {
		fprintf(stderr, "tcp_xfer: bad byte count %s\n", count);
		return 1;
	}
	if (resolve(addr, port, &ai))
		return 1;
	fd = connect_retrying(ai);
	freeaddrinfo(ai);
	if (fd < 0)
		return fail("connect");
	set_timeout(fd, SO_SNDTIMEO, IO_SECS);
	stream_init(&s);
	while (left) {
		len = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		/* xorshift64: cheap bytes that no compressor or offload flattens */
		for (i = 0; i + 8 <= len; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(buf + i, &x, 8);
		}
		memset(buf + i, 0x5a, len - i);
		for (i = 0; i < len;) {
			ssize_t n = write(fd, buf + i, len - i);

			if (n < 0)
				return fail("write");
			i += (size_t)n;
		}
		stream_add(&s, buf, len);
		left -= len;
	}
	if (close(fd))
		return fail("close");
	printf("%" PRIu64 " %016" PRIx64 "\n", s.bytes, s.hash);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: tcp_xfer recv ADDR PORT\n"
			"       tcp_xfer send ADDR PORT BYTES\n");
	return 2;
}

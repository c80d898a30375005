// SPDX-License-Identifier: GPL-2.0
/*
 * cbs image import: a raw image file becomes volume NAME (on every listed
 * server, a replica set as `cbs volume create` makes it), written through
 * a volume session to the primary (large writes; all-zero blocks are not
 * sent: the volume is thin), flushed, and snapshotted as NAME@image,
 * protected, for clones to start from.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lib/cbs_client.h"
#include "lib/cbs_proto.h"
#include "lib/output.h"
#include "lib/sock.h"
#include "lib/token.h"
#include "agent/cbs/cbs.h"

#define IMPORT_CHUNK	(4U << 20)	/* bytes read, and at most written, at once */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cbs image import NAME FILE [ { token TOKEN | token-file PATH } ] SERVERS\n"
		"where  SERVERS := server ADDR:PORT[,ADDR:PORT[,ADDR:PORT]]\n"
		"                  { admin-token TOKEN | admin-token-file PATH }\n"
		"Creates volume NAME (FILE's size rounded up to 4096 bytes) as \"cbs volume create\"\n"
		"does, writes FILE into it, and takes its protected snapshot NAME@image.\n");
}

/* One request on a volume session and its reply: 0, a positive errno, or -errno. */
static int vol_request(int fd, uint16_t op, uint64_t offset, const void *data, uint32_t len)
{
	struct cbs_request req = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(op),
		.handle = htole64(1),
		.offset = htole64(offset),
		.generation = htole64(1),
		.length = htole32(len),
	};
	struct cbs_reply rep;
	int ret;

	ret = nb_send_all(fd, &req, sizeof(req), data ? MSG_MORE : 0);
	if (!ret && data)
		ret = nb_send_all(fd, data, len, 0);
	if (!ret)
		ret = nb_recv_all(fd, &rep, sizeof(rep));
	if (ret)
		return ret;
	if (le32toh(rep.magic) != CBS_REPLY_MAGIC || le64toh(rep.handle) != 1 || rep.length)
		return -EPROTO;
	return (int)le32toh(rep.error);
}

static bool all_zero(const unsigned char *p, size_t len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

/* Write the image's non-zero blocks; 0 or an errno (positive: the server's). */
static int write_image(int fd, int img, uint64_t size, uint64_t *written)
{
	const uint32_t bs = 4096;
	unsigned char *buf = malloc(IMPORT_CHUNK);
	uint64_t off;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (off = 0; off < size && !ret; off += IMPORT_CHUNK) {
		uint32_t len = size - off < IMPORT_CHUNK ? (uint32_t)(size - off) : IMPORT_CHUNK;
		ssize_t n = 0, got;
		uint32_t start, end;

		memset(buf, 0, len);	/* the last block's tail: zeros */
		while (n < len && (got = pread(img, buf + n, len - n, (off_t)(off + n))) > 0)
			n += got;
		if (n < len && got < 0) {
			ret = -errno;
			break;
		}
		for (start = 0; start < len && !ret; start = end) {
			if (all_zero(buf + start, bs)) {
				end = start + bs;
				continue;
			}
			for (end = start + bs; end < len && !all_zero(buf + end, bs); end += bs)
				;
			ret = vol_request(fd, CBS_OP_WRITE, off + start, buf + start, end - start);
			*written += end - start;
		}
	}
	free(buf);
	return ret;
}

static int image_import(int argc, char **argv)
{
	struct volume_args a = { .object = "image", .block_size = 4096 };
	struct cbs_hello_req h = { .generation = 1 };
	struct cbs_snap_req r = { .flags = CBS_SNAP_F_PROTECTED };
	struct cbs_hello_reply rep;
	const char *file, *primary;
	uint64_t written = 0;
	struct stat st;
	int img, fd, ret;

	if (argc < 2) {
		fprintf(stderr, "Error: a volume NAME and an image FILE are required\n");
		return 1;
	}
	if (!cbs_proto_name_ok(argv[0]))
		return invarg("a volume name is 1..63 printable characters, no '/', not starting with '.'",
			      argv[0]);
	a.name = argv[0];
	file = argv[1];
	ret = parse_volume_args(argc - 2, argv + 2, false, ARG_TOKEN, &a);
	if (ret)
		return ret;
	img = open(file, O_RDONLY | O_CLOEXEC);
	if (img < 0 || fstat(img, &st)) {
		fprintf(stderr, "Error: argument \"%s\" is wrong: %m\n", file);
		return 1;
	}
	if (!S_ISREG(st.st_mode) || !st.st_size) {
		fprintf(stderr, "Error: argument \"%s\" is wrong: not a regular file with data\n", file);
		close(img);
		return 1;
	}
	a.size = ((uint64_t)st.st_size + a.block_size - 1) / a.block_size * a.block_size;
	if (!a.token[0] && cbs_token_random(a.token)) {
		fprintf(stderr, "Error: cannot make a random token: %m\n");
		close(img);
		return 1;
	}
	ret = create_on_all(&a, a.name);
	if (ret) {
		close(img);
		return ret;
	}

	/* The first listed server is the new volume's primary. */
	primary = a.servers.addr[0];
	snprintf(h.name, sizeof(h.name), "%s", a.name);
	memcpy(h.token, a.token, sizeof(h.token));
	fd = cbs_client_connect(primary, ADMIN_TIMEOUT_MS, &h, &rep);
	explicit_bzero(h.token, sizeof(h.token));
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open volume \"%s\" on %s: %s\n", a.name, primary,
			strerror(-fd));
		ret = 2;
		goto undo;
	}
	ret = write_image(fd, img, a.size, &written);
	if (!ret)
		ret = vol_request(fd, CBS_OP_FLUSH, 0, NULL, 0);
	close(fd);
	if (ret) {
		fprintf(stderr, "Error: writing \"%s\" to volume \"%s\" on %s: %s\n", file, a.name,
			primary, strerror(ret > 0 ? ret : -ret));
		ret = 2;
		goto undo;
	}
	snprintf(r.volume, sizeof(r.volume), "%s", a.name);
	snprintf(r.snap, sizeof(r.snap), "image");
	ret = snap_op_primary(&a, CBS_OP_SNAP_CREATE, a.name, &r, NULL, NULL);
	if (ret)
		goto undo;
	close(img);
	out_obj_begin();
	out_str("name", "%s", a.name);
	out_str("snapshot", " snapshot %s@image", a.name);
	out_uint("size", " size %llu", a.size);
	out_uint("written", " written %llu", written);
	out_str("token", " token %s", a.token);
	out_obj_end();
	explicit_bzero(&a, sizeof(a));
	return 0;
undo:
	close(img);
	undo_create(&a, a.name, a.servers.n);
	explicit_bzero(&a, sizeof(a));
	return ret;
}

static const struct cli_cmd image_cmds[] = {
	{ "import", image_import },
	{ NULL, NULL }
};

int do_image(int argc, char **argv)
{
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	return cli_dispatch(image_cmds, argc, argv, usage, "Command", "cbs image help");
}

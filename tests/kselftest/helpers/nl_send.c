// SPDX-License-Identifier: GPL-2.0
/*
 * nl_send: send one hand-built generic netlink request, for negative tests
 * that the commands' own parsers would refuse to build.
 *
 *   nl_send [-d] FAMILY CMD [TYPE:ATTR=VALUE ...]
 *
 * TYPE is u8, u16, u32, u64, str (NUL-terminated), flag, or hex (raw bytes).
 * Prints "ok" or "error ERRNO: strerror: extack" and exits with 0 or the
 * errno, so a test can assert both the code and the kernel's explanation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/genl.h"

static int put_attr(struct nlmsghdr *nlh, const char *spec)
{
	char type[8];
	unsigned int attr;
	const char *val;
	int n = 0;

	if (sscanf(spec, "%7[a-z0-9]:%u%n", type, &attr, &n) != 2 || attr > 0xffff)
		return -1;
	val = spec + n;
	if (!strcmp(type, "flag")) {
		mnl_attr_put(nlh, (uint16_t)attr, 0, NULL);
		return 0;
	}
	if (*val++ != '=')
		return -1;
	if (!strcmp(type, "u8"))
		mnl_attr_put_u8(nlh, (uint16_t)attr, (uint8_t)strtoul(val, NULL, 0));
	else if (!strcmp(type, "u16"))
		mnl_attr_put_u16(nlh, (uint16_t)attr, (uint16_t)strtoul(val, NULL, 0));
	else if (!strcmp(type, "u32"))
		mnl_attr_put_u32(nlh, (uint16_t)attr, (uint32_t)strtoul(val, NULL, 0));
	else if (!strcmp(type, "u64"))
		mnl_attr_put_u64(nlh, (uint16_t)attr, strtoull(val, NULL, 0));
	else if (!strcmp(type, "str"))
		mnl_attr_put_strz(nlh, (uint16_t)attr, val);
	else if (!strcmp(type, "hex")) {
		unsigned char bytes[1024];
		size_t len = strlen(val) / 2;

		if (len > sizeof(bytes))
			return -1;
		for (size_t i = 0; i < len; i++)
			if (sscanf(val + 2 * i, "%2hhx", &bytes[i]) != 1)
				return -1;
		mnl_attr_put(nlh, (uint16_t)attr, len, bytes);
	} else {
		return -1;
	}
	return 0;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(unsigned int *)data;
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int replies = 0;
	struct nlmsghdr *nlh;
	struct genl_sock gs;
	bool dump = false;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		dump = true;
		argc--;
		argv++;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: nl_send [-d] FAMILY CMD [TYPE:ATTR=VALUE ...]\n");
		return 255;
	}
	ret = genl_open(&gs, argv[1]);
	if (ret) {
		printf("error %d: %s: cannot resolve family %s\n", -ret,
		       strerror(-ret), argv[1]);
		return -ret;
	}
	nlh = genl_msg(&gs, buf, (uint8_t)strtoul(argv[2], NULL, 0),
		       NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0));
	for (int i = 3; i < argc; i++) {
		if (put_attr(nlh, argv[i])) {
			fprintf(stderr, "nl_send: bad attribute \"%s\"\n", argv[i]);
			return 255;
		}
	}
	ret = genl_talk(&gs, nlh, count_cb, &replies);
	if (ret)
		printf("error %d: %s: %s\n", -ret, strerror(-ret), gs.extack);
	else
		printf("ok %u\n", replies);
	genl_close(&gs);
	return -ret;
}

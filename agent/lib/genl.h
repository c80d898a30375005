/* SPDX-License-Identifier: GPL-2.0 */
/* A small generic netlink client over libmnl, shared by vpc, cbs and the agent. */
#ifndef NIMBUS_GENL_H
#define NIMBUS_GENL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct genl_sock {
	struct mnl_socket *nl;
	uint16_t family;
	uint8_t version;
	uint32_t portid;
	uint32_t seq;
	char *buf;		/* MNL_SOCKET_BUFFER_SIZE-sized scratch for replies */
	char extack[256];	/* the kernel's message for the last error */
};

/* Resolve FAMILY; returns 0 or a negative errno (-ENOENT: not registered). */
int genl_open(struct genl_sock *gs, const char *family);
void genl_close(struct genl_sock *gs);

/* Start a request in BUF (at least MNL_SOCKET_BUFFER_SIZE bytes). */
struct nlmsghdr *genl_msg(struct genl_sock *gs, void *buf, uint8_t cmd,
			  uint16_t flags);

/*
 * Send NLH and read replies until the ACK or the end of the dump, calling
 * CB (may be NULL) for each data message.  Returns 0 or a negative errno;
 * on error gs->extack holds the kernel's explanation, if it gave one.
 */
int genl_talk(struct genl_sock *gs, struct nlmsghdr *nlh, mnl_cb_t cb,
	      void *data);

/* Join the multicast GROUP of the family, for monitor commands. */
int genl_join(struct genl_sock *gs, const char *family, const char *group);

/* Parse a genl message's attributes into TB[0..MAX]. */
int genl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
	       unsigned int max);

/* Enter the network namespace /run/netns/NAME; returns 0 or -errno. */
int netns_enter(const char *name);

#endif /* NIMBUS_GENL_H */

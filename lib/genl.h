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
	char *pipe;		/* GENL_PIPE_BYTES of queued requests, or NULL */
	size_t pipe_len;
	size_t pipe_last;	/* offset of the last queued request */
	unsigned int pipe_count;
	uint32_t pipe_seq;	/* sequence number of the first */
};

/*
 * A pipeline of change requests: queued requests go to the kernel in one
 * send and are answered only when they fail, instead of one round trip and
 * one ACK each.  The bounds keep a send under the socket's send buffer and
 * every failure's answer within its receive buffer.
 */
#define GENL_PIPE_BYTES	32768
#define GENL_PIPE_MAX	64

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

/*
 * Queue change request NLH (built with genl_msg(); NLM_F_ACK is dropped).
 * Returns its index in the pipeline, 0..GENL_PIPE_MAX-1, or a negative
 * errno (-ENOSPC: full, flush first).
 */
int genl_pipe_add(struct genl_sock *gs, struct nlmsghdr *nlh);
/* Whether a request of any size may not fit: time to flush. */
bool genl_pipe_full(const struct genl_sock *gs);

/* Called for each failed request; gs->extack holds the kernel's message. */
typedef void (*genl_fail_cb)(unsigned int index, int err, struct genl_sock *gs,
			     void *data);
/*
 * Send the queued requests and wait until the kernel has handled them all,
 * in order; FAIL is called for each that failed.  Returns the number that
 * failed, or a negative errno if the exchange itself broke.
 */
int genl_pipe_flush(struct genl_sock *gs, genl_fail_cb fail, void *data);

/* Join the multicast GROUP of the family, for monitor commands. */
int genl_join(struct genl_sock *gs, const char *family, const char *group);

/*
 * For daemons: CTL for requests and MON joined to GROUP of FAMILY, so that
 * notifications never come between a request and its answer.  0, or a
 * negative errno with neither left open.
 */
int genl_open_pair(struct genl_sock *ctl, struct genl_sock *mon, const char *family,
		   const char *group);

/* Parse a genl message's attributes into TB[0..MAX]. */
int genl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
	       unsigned int max);

/* Enter the network namespace /run/netns/NAME; returns 0 or -errno. */
int netns_enter(const char *name);

#endif /* NIMBUS_GENL_H */

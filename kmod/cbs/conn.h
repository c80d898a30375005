/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CBS_CONN_H
#define _CBS_CONN_H

#include "dev.h"

int cbs_conn_cache_init(void);
void cbs_conn_cache_exit(void);

struct cbs_conn *cbs_conn_create(struct cbs_device *dev, struct socket *sock,
				 unsigned int index);
/* Stop the link: senders and the receiver fail from now on. */
void cbs_conn_shutdown(struct cbs_conn *conn);
/* Release a link whose receive work has finished, and its socket. */
void cbs_conn_free(struct cbs_conn *conn);
/* Release a link that never started, leaving its socket to the caller. */
void cbs_conn_destroy(struct cbs_conn *conn);

int cbs_conn_send(struct cbs_conn *conn, struct request *rq, u64 handle);
void cbs_conn_recv_work(struct work_struct *work);

#endif /* _CBS_CONN_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* cbs-server's log: one line per event on stderr, with a UTC timestamp. */
#ifndef NIMBUS_CBS_LOG_H
#define NIMBUS_CBS_LOG_H

void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NIMBUS_CBS_LOG_H */

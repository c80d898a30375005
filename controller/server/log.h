/* SPDX-License-Identifier: GPL-2.0 */
/* One line per event on standard error, with a UTC timestamp. */
#ifndef NIMBUS_CTRL_LOG_H
#define NIMBUS_CTRL_LOG_H

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NIMBUS_CTRL_LOG_H */

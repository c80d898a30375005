/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemons' log: one line per event on stderr, with a UTC timestamp and
 * the program's name, "2025-01-31T12:00:00.123Z cbs-server: MESSAGE".
 */
#ifndef NIMBUS_LOG_H
#define NIMBUS_LOG_H

/* The name every line carries; until set, the name the program runs under. */
void nb_log_init(const char *name);

/* printf-style, %m included; lines of different threads do not mix. */
void nb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NIMBUS_LOG_H */

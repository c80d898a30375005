// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "lib/log.h"

static const char *log_name;

void nb_log_init(const char *name)
{
	log_name = name;
}

void nb_log(const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	int err = errno;	/* for %m */
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	errno = err;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so lines from different threads do not mix. */
	fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, ts.tv_nsec / 1000000,
		log_name ? log_name : program_invocation_short_name, line);
}

// SPDX-License-Identifier: GPL-2.0
/* Logging: see log.h. */
#include "controller/server/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

void log_msg(const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines of concurrent threads do not mix. */
	fprintf(stderr, "%s.%03ldZ nimbus-controller: %s\n", stamp, (long)tv.tv_usec / 1000, line);
}

/* SPDX-License-Identifier: GPL-2.0 */
/* cbs-server --fsck: the offline check of a data directory. */
#ifndef NIMBUS_CBS_FSCK_H
#define NIMBUS_CBS_FSCK_H

#include <stdio.h>

/* Check DIR, print each problem and leftover to out; 0 clean, 1 problems. */
int fsck_run(const char *dir, FILE *out);

#endif /* NIMBUS_CBS_FSCK_H */

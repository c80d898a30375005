/* SPDX-License-Identifier: GPL-2.0 */
/* The objects nimbusctl manages: one entry point and one usage each. */
#ifndef NIMBUSCTL_OBJECTS_H
#define NIMBUSCTL_OBJECTS_H

struct object {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command */
	const char *usage;
};

extern const struct object objects[];

#endif /* NIMBUSCTL_OBJECTS_H */

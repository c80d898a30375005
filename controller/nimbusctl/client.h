/* SPDX-License-Identifier: GPL-2.0 */
/* nimbusctl's HTTP client (libcurl) and command-line helpers. */
#ifndef NIMBUSCTL_CLIENT_H
#define NIMBUSCTL_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

struct client {
	const char *url;		/* base URL, e.g. http://127.0.0.1:8080 */
	char token[256];
	const char *cacert;		/* CA bundle for https, or NULL */
	bool json;			/* -j */
};

extern struct client cl;

/*
 * METHOD PATH with BODY (stolen; NULL for none).  The answer's JSON in
 * *OUT (NULL for an empty one).  0 on a 2xx answer; otherwise prints the
 * server's error message and returns the exit status 2.
 */
int api(const char *method, const char *path, json_t *body, json_t **out);

/* matches() and invarg(), as every ip-style command of Nimbus has them. */
#include "lib/cli.h"

/* 'Command "CMD" is unknown, try "nimbusctl help".'; returns 1. */
int unknown(const char *cmd);
/* The next argument after KEYWORD, or NULL with an error printed. */
const char *next_arg(int *argc, char ***argv);

#endif /* NIMBUSCTL_CLIENT_H */

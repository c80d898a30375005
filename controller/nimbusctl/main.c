// SPDX-License-Identifier: GPL-2.0
/*
 * nimbusctl: the ip-style command of a Nimbus controller's REST API.
 *
 *   nimbusctl [ -j ] [ --url URL ] [ --token-file FILE ] [ --cacert FILE ]
 *             OBJECT { COMMAND | help }
 *
 * The URL and token come from the options or from NIMBUS_URL and
 * NIMBUS_TOKEN.  Exit status: 0, 1 for a bad command line, 2 when the
 * controller could not be reached or refused the request.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token.h"
#include "controller/nimbusctl/client.h"
#include "controller/nimbusctl/objects.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nimbusctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       nimbusctl help\n"
		"OBJECT := { tenant | host | storage-server | vpc | subnet | route | port | volume }\n"
		"OPTIONS := { -j[son] | --url URL | --token-file FILE | --cacert FILE }\n"
		"The URL and token default to $NIMBUS_URL and $NIMBUS_TOKEN.\n");
}

/* Options; the index of OBJECT, or -1 after an error. */
static int options(int argc, char **argv, const char **token_file)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-j") || !strcmp(o, "-json") || !strcmp(o, "--json")) {
			cl.json = true;
			continue;
		}
		if (!strcmp(o, "-h") || !strcmp(o, "--help") || !strcmp(o, "-help")) {
			usage(stdout);
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "Error: option \"%s\" needs a value\n", o);
			return -1;
		}
		if (!strcmp(o, "--url"))
			cl.url = argv[++i];
		else if (!strcmp(o, "--token-file"))
			*token_file = argv[++i];
		else if (!strcmp(o, "--cacert"))
			cl.cacert = argv[++i];
		else
			return invarg("unknown option", o), -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	const char *token_file = NULL, *env;
	const struct object *obj;
	int i, ret;

	i = options(argc, argv, &token_file);
	if (i < 0)
		return 1;
	if (i >= argc || matches(argv[i], "help")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc;
	}
	for (obj = objects; obj->name; obj++)
		if (!strcmp(obj->name, argv[i]))
			break;
	if (!obj->name)
		return unknown(argv[i]);
	if (i + 1 >= argc || matches(argv[i + 1], "help")) {
		fputs(obj->usage, i + 1 >= argc ? stderr : stdout);
		return i + 1 >= argc;
	}
	if (!cl.url)
		cl.url = getenv("NIMBUS_URL");
	if (!cl.url || !cl.url[0]) {
		fprintf(stderr, "Error: no controller: give --url URL or set NIMBUS_URL\n");
		return 1;
	}
	if (token_file) {
		ret = nb_token_read_file(token_file, cl.token, sizeof(cl.token));
		if (ret)
			return invarg(strerror(-ret), token_file);
	} else if ((env = getenv("NIMBUS_TOKEN")) && *env) {
		snprintf(cl.token, sizeof(cl.token), "%s", env);
	} else {
		fprintf(stderr, "Error: no token: give --token-file FILE or set NIMBUS_TOKEN\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = obj->fn(argc - i - 1, argv + i + 1);
	curl_global_cleanup();
	return ret;
}

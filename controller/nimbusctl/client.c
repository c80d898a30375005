// SPDX-License-Identifier: GPL-2.0
/* nimbusctl's HTTP client: see client.h. */
#include "controller/nimbusctl/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct client cl;

int api(const char *method, const char *path, json_t *body, json_t **out)
{
	struct curl_slist *hdrs = NULL;
	struct nb_buf b = { 0 };
	char *url, *auth, *text = NULL;
	long status = 0;
	CURLcode rc;
	CURL *c;
	int ret = 2;

	if (out)
		*out = NULL;
	if (asprintf(&url, "%s%s", cl.url, path) < 0 ||
	    asprintf(&auth, "Authorization: Bearer %s", cl.token) < 0)
		abort();
	c = curl_easy_init();
	if (!c)
		abort();
	hdrs = curl_slist_append(hdrs, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, nb_buf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cl.cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, cl.cacert);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "Error: %s: %s\n", cl.url, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		json_t *e = b.p ? json_loads(b.p, 0, NULL) : NULL;
		const char *msg = json_string_value(json_object_get(e, "error"));

		fprintf(stderr, "Error: %s (HTTP %ld)\n", msg ? msg : "the controller refused",
			status);
		json_decref(e);
		goto out;
	}
	if (out && b.len) {
		json_error_t jerr;

		*out = json_loads(b.p, 0, &jerr);
		if (!*out) {
			fprintf(stderr, "Error: the controller's answer is no JSON: %s\n", jerr.text);
			goto out;
		}
	}
	ret = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	json_decref(body);
	free(text);
	free(b.p);
	free(url);
	free(auth);
	return ret;
}

int unknown(const char *cmd)
{
	return cli_unknown("Command", cmd, "nimbusctl help");
}

const char *next_arg(int *argc, char ***argv)
{
	const char *kw = **argv;

	if (*argc < 2) {
		fprintf(stderr, "Error: argument \"%s\" needs a value\n", kw);
		return NULL;
	}
	(*argc)--;
	(*argv)++;
	return **argv;
}

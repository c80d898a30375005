// SPDX-License-Identifier: GPL-2.0
/*
 * nimbusctl's objects and commands.  Each object is a REST collection; the
 * common commands (list, show, delete) are one table-driven path, creates
 * build their JSON bodies from keyword arguments, in the style of ip(8).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/token.h"
#include "controller/nimbusctl/client.h"
#include "controller/nimbusctl/objects.h"

enum ftype { F_STR, F_INT, F_LIST, F_QOS, F_PAIRS, F_STATUS };

struct field {
	const char *key;
	const char *label;
	enum ftype type;
};

struct kind {
	const char *path;		/* the collection: /v1/ports */
	const struct field *fields;	/* printed after the id */
};

static const struct field tenant_fields[] = {
	{ "name", "name", F_STR }, { "token", "token", F_STR }, { NULL, NULL, 0 },
};
static const struct field host_fields[] = {
	{ "name", "name", F_STR }, { "underlay", "underlay", F_LIST },
	{ "capacity", "capacity", F_INT }, { "status", "applied", F_STATUS },
	{ "token", "token", F_STR }, { NULL, NULL, 0 },
};
static const struct field server_fields[] = {
	{ "name", "name", F_STR }, { "address", "address", F_STR },
	{ "capacity", "capacity", F_INT }, { "allocated", "allocated", F_INT },
	{ NULL, NULL, 0 },
};
static const struct field vpc_fields[] = {
	{ "name", "name", F_STR }, { "tenant", "tenant", F_STR }, { "vni", "vni", F_INT },
	{ NULL, NULL, 0 },
};
static const struct field subnet_fields[] = {
	{ "vpc", "vpc", F_STR }, { "cidr", "cidr", F_STR }, { "gateway", "gateway", F_STR },
	{ "dns", "dns", F_LIST }, { "domain", "domain", F_STR }, { NULL, NULL, 0 },
};
static const struct field route_fields[] = {
	{ "vpc", "vpc", F_STR }, { "cidr", "cidr", F_STR }, { "via", "via", F_STR },
	{ NULL, NULL, 0 },
};
static const struct field port_fields[] = {
	{ "vpc", "vpc", F_STR }, { "subnet", "subnet", F_STR }, { "host", "host", F_STR },
	{ "ip", "ip", F_STR }, { "mac", "mac", F_STR }, { "ifname", "ifname", F_STR },
	{ "qos", "", F_QOS }, { "allowed_address_pairs", "allow", F_PAIRS },
	{ NULL, NULL, 0 },
};
static const struct field volume_fields[] = {
	{ "name", "name", F_STR }, { "tenant", "tenant", F_STR }, { "size", "size", F_INT },
	{ "block_size", "block-size", F_INT }, { "server", "server", F_STR },
	{ "host", "host", F_STR }, { "generation", "generation", F_INT }, { NULL, NULL, 0 },
};

static const struct kind K_TENANT = { "/v1/tenants", tenant_fields };
static const struct kind K_HOST = { "/v1/hosts", host_fields };
static const struct kind K_SERVER = { "/v1/storage-servers", server_fields };
static const struct kind K_VPC = { "/v1/vpcs", vpc_fields };
static const struct kind K_SUBNET = { "/v1/subnets", subnet_fields };
static const struct kind K_ROUTE = { "/v1/routes", route_fields };
static const struct kind K_PORT = { "/v1/ports", port_fields };
static const struct kind K_VOLUME = { "/v1/volumes", volume_fields };

/* --- output ------------------------------------------------------------ */

static void print_qos(const json_t *q)
{
	static const char *const dirs[] = { "egress", "ingress" };
	static const char *const keys[] = { "min", "max", "burst" };

	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 3; i++) {
			json_int_t v = json_integer_value(json_object_get(json_object_get(q, dirs[d]),
									   keys[i]));

			if (v)
				printf(" %s-%s %" JSON_INTEGER_FORMAT, dirs[d], keys[i], v);
		}
}

/* One object on one line: WORD, its id, then "label value" for each field it has. */
static void print_obj(const char *word, const struct kind *k, const json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));

	printf("%s%s%s", word, *word && id ? " " : "", id ? id : "");
	for (const struct field *f = k->fields; f->key; f++) {
		const json_t *v = json_object_get(o, f->key);
		size_t n = json_array_size(v);

		if (!v || json_is_null(v))
			continue;
		switch (f->type) {
		case F_STR:
			printf(" %s %s", f->label, json_string_value(v));
			break;
		case F_INT:
			printf(" %s %" JSON_INTEGER_FORMAT, f->label, json_integer_value(v));
			break;
		case F_LIST:
			if (!n)
				break;
			printf(" %s ", f->label);
			for (size_t i = 0; i < n; i++)
				printf("%s%s", i ? "," : "", json_string_value(json_array_get(v, i)));
			break;
		case F_QOS:
			print_qos(v);
			break;
		case F_PAIRS:
			for (size_t i = 0; i < n; i++)
				printf(" %s %s", f->label,
				       json_string_value(json_object_get(json_array_get(v, i), "ip")));
			break;
		case F_STATUS:
			printf(" %s %" JSON_INTEGER_FORMAT " errors %zu", f->label,
			       json_integer_value(json_object_get(v, "revision")),
			       json_array_size(json_object_get(v, "errors")));
			break;
		}
	}
	printf("\n");
}

/* Print the answer A (an object or an array of them) and free it. */
static int print(const struct kind *k, json_t *a)
{
	if (cl.json) {
		char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
	} else if (json_is_array(a)) {
		for (size_t i = 0; i < json_array_size(a); i++)
			print_obj("", k, json_array_get(a, i));
	} else if (a) {
		print_obj("", k, a);
	}
	json_decref(a);
	return 0;
}

/* METHOD PATH with BODY, then print the answer as K. */
static int call(const struct kind *k, const char *method, const char *path, json_t *body)
{
	json_t *a;
	int ret = api(method, path, body, &a);

	return ret ? ret : print(k, a);
}

/* --- arguments --------------------------------------------------------- */

/* Digits with an optional suffix: UNIT (1000 or 1024) to the power of its place in SUFFIXES. */
static int parse_scaled(const char *s, const char *suffixes, uint64_t unit, const char *tail,
			uint64_t *out)
{
	const char *p;
	char *end;
	uint64_t v, mul = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end && (p = strchr(suffixes, tolower((unsigned char)*end)))) {
		for (const char *q = suffixes; q <= p; q++)
			mul *= unit;
		end++;
	}
	if (*end && strcasecmp(end, tail))
		return -1;
	if (v && mul > UINT64_MAX / v)
		return -1;
	*out = v * mul;
	return 0;
}

/* A rate in bit/s: 100000, 100k, 10mbit, 1gbit (powers of 1000). */
static int parse_rate(const char *s, uint64_t *v)
{
	return parse_scaled(s, "kmgt", 1000, "bit", v);
}

/* A size in bytes: 4096, 64M, 1G, 2T (powers of 1024). */
static int parse_size(const char *s, uint64_t *v)
{
	return parse_scaled(s, "kmgtp", 1024, "", v);
}

/* A comma-separated list of addresses as a JSON array; NULL after an error. */
static json_t *addr_list(const char *s, bool v4_only)
{
	json_t *a = json_array();
	char *copy = strdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct nb_addr addr;

		if (nb_addr_parse(t, &addr) || (v4_only && addr.family != AF_INET)) {
			invarg(v4_only ? "not an IPv4 address" : "not an IP address", t);
			json_decref(a);
			free(copy);
			return NULL;
		}
		json_array_append_new(a, json_string(t));
	}
	free(copy);
	return a;
}

static const char *const qos_words[] = {
	"egress-min", "egress-max", "egress-burst", "ingress-min", "ingress-max", "ingress-burst",
};

/* A QoS keyword and its value into B's qos; 1 if ARG is none, 0 done, -1 after an error. */
static int qos_arg(json_t *b, int *argc, char ***argv)
{
	const char *kw = **argv, *val;
	json_t *qos = json_object_get(b, "qos");
	char dir[16];
	uint64_t v;

	for (size_t i = 0; i < sizeof(qos_words) / sizeof(qos_words[0]); i++) {
		if (strcmp(kw, qos_words[i]))
			continue;
		if (!(val = next_arg(argc, argv)))
			return -1;
		if (strstr(kw, "burst") ? parse_size(val, &v) : parse_rate(val, &v))
			return invarg(strstr(kw, "burst") ? "not a size in bytes" :
				      "not a rate in bit/s", val), -1;
		if (!qos) {
			qos = json_object();
			json_object_set_new(b, "qos", qos);
		}
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(kw, "-"), kw);
		if (!json_object_get(qos, dir))
			json_object_set_new(qos, dir, json_object());
		json_object_set_new(json_object_get(qos, dir), strchr(kw, '-') + 1,
				    json_integer((json_int_t)v));
		return 0;
	}
	return 1;
}

enum kwtype { KW_STR, KW_RATE, KW_SIZE, KW_V4LIST, KW_IPLIST, KW_TOKENFILE, KW_PREFIXES };

/* A keyword argument and the body member its value goes to. */
struct kw {
	const char *word;
	const char *key;
	enum kwtype type;
};

/* One value of type T as JSON; NULL after an error (printed). */
static json_t *kw_value(enum kwtype t, const char *val)
{
	char token[256];
	struct nb_prefix p;
	uint64_t v;
	int ret;

	switch (t) {
	case KW_STR:
		return json_string(val);
	case KW_RATE:
	case KW_SIZE:
		if (t == KW_RATE ? parse_rate(val, &v) : parse_size(val, &v))
			return invarg(t == KW_RATE ? "not a rate in bit/s" : "not a size in bytes",
				      val), NULL;
		return json_integer((json_int_t)v);
	case KW_V4LIST:
	case KW_IPLIST:
		return addr_list(val, t == KW_V4LIST);
	case KW_TOKENFILE:
		ret = nb_token_read_file(val, token, sizeof(token));
		return ret ? (invarg(strerror(-ret), val), NULL) : json_string(token);
	case KW_PREFIXES:
		if (nb_prefix_parse(val, &p, true))
			return invarg("not an address or prefix", val), NULL;
		return json_pack("{ss}", "ip", val);
	}
	return NULL;
}

/*
 * Keyword arguments from TABLE into the body B (KW_PREFIXES append to an
 * array; "allow none" empties it); with QOS, also the QoS keywords.
 * 0, or 1 after an error (printed).
 */
static int keywords(int argc, char **argv, const struct kw *table, bool qos, json_t *b)
{
	for (; argc > 0; argc--, argv++) {
		const struct kw *k;
		const char *val;
		json_t *v;
		int ret = qos ? qos_arg(b, &argc, &argv) : 1;

		if (ret < 0)
			return 1;
		if (ret == 0)
			continue;
		for (k = table; k->word && strcmp(k->word, argv[0]); k++)
			;
		if (!k->word)
			return invarg("unknown keyword", argv[0]);
		if (!(val = next_arg(&argc, &argv)))
			return 1;
		if (k->type == KW_PREFIXES) {
			if (!json_object_get(b, k->key))
				json_object_set_new(b, k->key, json_array());
			if (!strcmp(val, "none")) {
				json_array_clear(json_object_get(b, k->key));
				continue;
			}
		}
		v = kw_value(k->type, val);
		if (!v)
			return 1;
		if (k->type == KW_PREFIXES)
			json_array_append_new(json_object_get(b, k->key), v);
		else
			json_object_set_new(b, k->key, v);
	}
	return 0;
}

/* The common commands: list, show ID, delete ID.  -1 if CMD is none of them. */
static int common(const struct kind *k, int argc, char **argv)
{
	char path[512];

	if (matches(argv[0], "list") && argc == 1)
		return call(k, "GET", k->path, NULL);
	if (argc != 2)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", k->path, argv[1]);
	if (matches(argv[0], "show"))
		return call(k, "GET", path, NULL);
	if (matches(argv[0], "delete"))
		return api("DELETE", path, NULL, NULL);
	return -1;
}

/*
 * OBJ create NAME [KEYWORD VALUE]... with TABLE, or the common commands;
 * unknown ones fail.
 */
static int object(const struct kind *k, int argc, char **argv, const struct kw *table)
{
	json_t *b;
	int ret;

	if (!strcmp(argv[0], "create") && table) {
		if (argc < 2)
			return unknown("create");
		b = json_pack("{ss}", "name", argv[1]);
		if (keywords(argc - 2, argv + 2, table, false, b)) {
			json_decref(b);
			return 1;
		}
		return call(k, "POST", k->path, b);
	}
	ret = common(k, argc, argv);
	return ret >= 0 ? ret : unknown(argv[0]);
}

/* --- tenant, host, storage-server -------------------------------------- */

static int do_tenant(int argc, char **argv)
{
	char path[512];

	if (!strcmp(argv[0], "token") && argc == 2) {
		snprintf(path, sizeof(path), "%s/%s/token", K_TENANT.path, argv[1]);
		return call(&K_TENANT, "POST", path, NULL);
	}
	static const struct kw none[] = { { NULL, NULL, 0 } };

	return object(&K_TENANT, argc, argv, none);
}

/* The sections of a host's state: each item printed as "WORD ITEM". */
static const struct field state_vpc_fields[] = {
	{ "vni", "vni", F_INT }, { NULL, NULL, 0 },
};
static const struct field state_port_fields[] = {
	{ "vni", "vni", F_INT }, { "ifname", "ifname", F_STR }, { "mac", "mac", F_STR },
	{ "ip", "ip", F_STR }, { "qos", "", F_QOS }, { "allowed_address_pairs", "allow", F_PAIRS },
	{ NULL, NULL, 0 },
};
static const struct field state_mapping_fields[] = {
	{ "vni", "vni", F_INT }, { "ip", "ip", F_STR }, { "mac", "mac", F_STR },
	{ "host", "host", F_STR }, { "underlay", "underlay", F_LIST }, { NULL, NULL, 0 },
};
static const struct field state_volume_fields[] = {
	{ "server", "server", F_STR }, { "size", "size", F_INT },
	{ "block_size", "block-size", F_INT }, { "generation", "generation", F_INT },
	{ NULL, NULL, 0 },
};

/* host state ID: the desired state an agent reads. */
static int host_state(const char *id)
{
	static const struct {
		const char *key, *word;
		struct kind kind;
	} sections[] = {
		{ "vpcs", "vpc", { NULL, state_vpc_fields } },
		{ "ports", "port", { NULL, state_port_fields } },
		{ "mappings", "mapping", { NULL, state_mapping_fields } },
		{ "volumes", "volume", { NULL, state_volume_fields } },
	};
	char path[512];
	json_t *s;
	int ret;

	snprintf(path, sizeof(path), "%s/%s/state", K_HOST.path, id);
	ret = api("GET", path, NULL, &s);
	if (ret || cl.json)
		return ret ? ret : print(&K_HOST, s);
	printf("revision %" JSON_INTEGER_FORMAT "\n", json_integer_value(json_object_get(s, "revision")));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		json_t *a = json_object_get(s, sections[i].key);

		for (size_t j = 0; j < json_array_size(a); j++) {
			print_obj(sections[i].word, &sections[i].kind, json_array_get(a, j));
		}
	}
	json_decref(s);
	return 0;
}

static int do_host(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "underlay", "underlay", KW_V4LIST },
		{ "capacity", "capacity", KW_RATE },
		{ NULL, NULL, 0 },
	};

	if (!strcmp(argv[0], "state") && argc == 2)
		return host_state(argv[1]);
	return object(&K_HOST, argc, argv, table);
}

static int do_server(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "address", "address", KW_STR },
		{ "capacity", "capacity", KW_SIZE },
		{ "admin-token-file", "admin_token", KW_TOKENFILE },
		{ NULL, NULL, 0 },
	};

	return object(&K_SERVER, argc, argv, table);
}

/* --- vpc, subnet, route ------------------------------------------------ */

static int do_vpc(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "tenant", "tenant", KW_STR },
		{ NULL, NULL, 0 },
	};

	return object(&K_VPC, argc, argv, table);
}

/* subnet|route create vpc ID ...: the body from TABLE, posted to the VPC's collection. */
static int vpc_child_create(const struct kind *k, const char *coll, const struct kw *table,
			    int argc, char **argv)
{
	json_t *b = json_object();
	char path[512];

	if (keywords(argc, argv, table, false, b)) {
		json_decref(b);
		return 1;
	}
	if (!json_is_string(json_object_get(b, "vpc"))) {
		json_decref(b);
		fprintf(stderr, "Error: vpc ID is required\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/v1/vpcs/%s/%s", json_string_value(json_object_get(b, "vpc")),
		 coll);
	json_object_del(b, "vpc");
	return call(k, "POST", path, b);
}

/* subnet|route list vpc ID */
static int vpc_child_list(const struct kind *k, const char *coll, int argc, char **argv)
{
	char path[512];

	if (argc != 3 || strcmp(argv[1], "vpc"))
		return invarg("expected: list vpc ID", argc > 1 ? argv[1] : argv[0]);
	snprintf(path, sizeof(path), "/v1/vpcs/%s/%s", argv[2], coll);
	return call(k, "GET", path, NULL);
}

static int do_subnet(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "vpc", "vpc", KW_STR }, { "cidr", "cidr", KW_STR },
		{ "gateway", "gateway", KW_STR }, { "dns", "dns", KW_IPLIST },
		{ "domain", "domain", KW_STR }, { NULL, NULL, 0 },
	};

	if (matches(argv[0], "list") && argc > 1)
		return vpc_child_list(&K_SUBNET, "subnets", argc, argv);
	if (!strcmp(argv[0], "create"))
		return vpc_child_create(&K_SUBNET, "subnets", table, argc - 1, argv + 1);
	return object(&K_SUBNET, argc, argv, NULL);
}

static int do_route(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "vpc", "vpc", KW_STR }, { "cidr", "cidr", KW_STR }, { "via", "via", KW_STR },
		{ NULL, NULL, 0 },
	};

	if (matches(argv[0], "list") && argc > 1)
		return vpc_child_list(&K_ROUTE, "routes", argc, argv);
	if (!strcmp(argv[0], "create"))
		return vpc_child_create(&K_ROUTE, "routes", table, argc - 1, argv + 1);
	return object(&K_ROUTE, argc, argv, NULL);
}

/* --- port -------------------------------------------------------------- */

/* port create ... and port set ID ...: the body from TABLE and the QoS words. */
static json_t *port_body(int argc, char **argv, const struct kw *table)
{
	json_t *b = json_object();

	if (keywords(argc, argv, table, true, b)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

static int do_port(int argc, char **argv)
{
	static const struct kw create_words[] = {
		{ "vpc", "vpc", KW_STR }, { "subnet", "subnet", KW_STR },
		{ "host", "host", KW_STR }, { "ip", "ip", KW_STR }, { "mac", "mac", KW_STR },
		{ "allow", "allowed_address_pairs", KW_PREFIXES }, { NULL, NULL, 0 },
	};
	static const struct kw set_words[] = {
		{ "host", "host", KW_STR },
		{ "allow", "allowed_address_pairs", KW_PREFIXES }, { NULL, NULL, 0 },
	};
	char path[512];
	json_t *b;

	if (matches(argv[0], "list") && argc > 1) {
		/* port list [vpc ID] [host ID] */
		size_t off = (size_t)snprintf(path, sizeof(path), "%s", K_PORT.path);

		for (int i = 1; i < argc; i += 2) {
			if ((strcmp(argv[i], "vpc") && strcmp(argv[i], "host")) || i + 1 >= argc)
				return invarg("expected: port list [vpc ID] [host ID]", argv[i]);
			off += (size_t)snprintf(path + off, sizeof(path) - off, "%c%s=%s",
						i == 1 ? '?' : '&', argv[i], argv[i + 1]);
			if (off >= sizeof(path))
				return invarg("too long", argv[i + 1]);
		}
		return call(&K_PORT, "GET", path, NULL);
	}
	if (!strcmp(argv[0], "set")) {
		if (argc < 3)
			return invarg("expected: port set ID [host ID] [QOS] [allow ADDR]...",
				      argc > 1 ? argv[1] : "set");
		b = port_body(argc - 2, argv + 2, set_words);
		if (!b)
			return 1;
		snprintf(path, sizeof(path), "%s/%s", K_PORT.path, argv[1]);
		return call(&K_PORT, "PATCH", path, b);
	}
	if (!strcmp(argv[0], "create")) {
		b = port_body(argc - 1, argv + 1, create_words);
		return b ? call(&K_PORT, "POST", K_PORT.path, b) : 1;
	}
	return object(&K_PORT, argc, argv, NULL);
}

/* --- volume ------------------------------------------------------------ */

static int do_volume(int argc, char **argv)
{
	static const struct kw table[] = {
		{ "size", "size", KW_SIZE }, { "block-size", "block_size", KW_SIZE },
		{ "tenant", "tenant", KW_STR }, { NULL, NULL, 0 },
	};
	char path[512];

	if (!strcmp(argv[0], "attach")) {
		if (argc != 4 || strcmp(argv[2], "host"))
			return invarg("expected: volume attach ID host HOST", argc > 1 ? argv[1] : "attach");
		snprintf(path, sizeof(path), "%s/%s/attach", K_VOLUME.path, argv[1]);
		return call(&K_VOLUME, "POST", path, json_pack("{ss}", "host", argv[3]));
	}
	if (!strcmp(argv[0], "detach")) {
		if (argc != 2)
			return invarg("expected: volume detach ID", argc > 2 ? argv[2] : "detach");
		snprintf(path, sizeof(path), "%s/%s/detach", K_VOLUME.path, argv[1]);
		return call(&K_VOLUME, "POST", path, NULL);
	}
	return object(&K_VOLUME, argc, argv, table);
}

#define COMMON "       nimbusctl OBJ { list | show ID | delete ID }\n"

const struct object objects[] = {
	{ "tenant", do_tenant,
	  "Usage: nimbusctl tenant create NAME\n"
	  "       nimbusctl tenant token ID\n" COMMON },
	{ "host", do_host,
	  "Usage: nimbusctl host create NAME underlay IP[,IP] [ capacity RATE ]\n"
	  "       nimbusctl host state ID\n" COMMON },
	{ "storage-server", do_server,
	  "Usage: nimbusctl storage-server create NAME address ADDR:PORT capacity SIZE\n"
	  "                                admin-token-file FILE\n" COMMON },
	{ "vpc", do_vpc,
	  "Usage: nimbusctl vpc create NAME [ tenant ID ]\n" COMMON },
	{ "subnet", do_subnet,
	  "Usage: nimbusctl subnet create vpc ID cidr PREFIX gateway IP [ dns IP[,IP] ]\n"
	  "                        [ domain NAME ]\n"
	  "       nimbusctl subnet list vpc ID\n" COMMON },
	{ "route", do_route,
	  "Usage: nimbusctl route create vpc ID cidr PREFIX via IP\n"
	  "       nimbusctl route list vpc ID\n" COMMON },
	{ "port", do_port,
	  "Usage: nimbusctl port create vpc ID subnet ID host ID [ ip IP ] [ mac MAC ]\n"
	  "                      [ QOS ]... [ allow ADDR[/PLEN] ]...\n"
	  "       nimbusctl port set ID [ host ID ] [ QOS ]... [ allow ADDR[/PLEN] | allow none ]...\n"
	  "       nimbusctl port list [ vpc ID ] [ host ID ]\n" COMMON
	  "QOS := { egress-min | egress-max | ingress-min | ingress-max } RATE |\n"
	  "       { egress-burst | ingress-burst } SIZE\n"
	  "RATE := bit/s, with k, m, g or t (powers of 1000) and an optional \"bit\": 100mbit\n" },
	{ "volume", do_volume,
	  "Usage: nimbusctl volume create NAME size SIZE [ block-size 512 | 4096 ] [ tenant ID ]\n"
	  "       nimbusctl volume attach ID host HOST\n"
	  "       nimbusctl volume detach ID\n" COMMON
	  "SIZE := bytes, with K, M, G, T or P (powers of 1024): 10G\n" },
	{ NULL, NULL, NULL },
};

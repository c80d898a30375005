// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text (format 0.0.4) at http://ADDR:PORT/metrics, served by
 * libmicrohttpd inside the event loop (its epoll fd is polled with the
 * rest; no thread): the ports' traffic and drops (vpc.ko's port counters),
 * the volumes' I/O (cbs.ko's STATUS), the agent's own revision, reconciles
 * and errors.  Every name starts with nimbus_.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <linux/vpc.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "lib/vpc_nl.h"
#include "agent/nimbus-agent/agent.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, with the escapes of the text format. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

struct port_ctx {
	struct agent *a;
	FILE *f;
	int pass;		/* which family this dump prints */
};

static const struct {
	const char *name, *help;
	unsigned int attr;
} port_families[] = {
	{ "nimbus_port_rx_bytes_total", "Bytes the VM sent into its port.", VPC_STATS_A_RX_BYTES },
	{ "nimbus_port_rx_packets_total", "Frames the VM sent into its port.",
	  VPC_STATS_A_RX_PACKETS },
	{ "nimbus_port_tx_bytes_total", "Bytes delivered to the VM.", VPC_STATS_A_TX_BYTES },
	{ "nimbus_port_tx_packets_total", "Frames delivered to the VM.", VPC_STATS_A_TX_PACKETS },
	{ "nimbus_port_drops_total", "Frames from the VM dropped, by reason.", 0 },
};

static void port_cb(const char *ifname, uint32_t vni, const struct nlattr *stats, void *data)
{
	struct port_ctx *c = data;
	const struct ag_port *p = hmap_get(&c->a->want.ports, ifname);
	const char *id = p ? p->id : "";
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, stats) {
		unsigned int type = mnl_attr_get_type(x);
		const char *name = vpc_stat_name(type);

		if (!name || mnl_attr_get_payload_len(x) != sizeof(uint64_t))
			continue;
		if (port_families[c->pass].attr ? type == port_families[c->pass].attr :
		    !strncmp(name, "drop_", 5))
			fprintf(c->f, "%s{port=\"%s\",ifname=\"%s\",vni=\"%u\"%s%s%s} %llu\n",
				port_families[c->pass].name, id, ifname, vni,
				port_families[c->pass].attr ? "" : ",reason=\"",
				port_families[c->pass].attr ? "" : name + 5,
				port_families[c->pass].attr ? "" : "\"",
				(unsigned long long)mnl_attr_get_u64(x));
	}
}

static double avg_seconds(uint64_t ns, uint64_t n)
{
	return n ? (double)ns / (double)n / 1e9 : 0.0;
}

static double read_latency(const struct ag_dev *d)
{
	return avg_seconds(d->read_ns, d->reads);
}

static double write_latency(const struct ag_dev *d)
{
	return avg_seconds(d->write_ns, d->writes);
}

static double live_conns(const struct ag_dev *d)
{
	return d->live;
}

#define DEV_U64(field) (double (*)(const struct ag_dev *))NULL, offsetof(struct ag_dev, field)

static void volume_metrics(struct agent *a, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
		double (*get)(const struct ag_dev *d);	/* NULL: the u64 at OFF */
		size_t off;
	} fams[] = {
		{ "nimbus_volume_reads_total", "counter", "Reads completed.", DEV_U64(reads) },
		{ "nimbus_volume_writes_total", "counter", "Writes completed.", DEV_U64(writes) },
		{ "nimbus_volume_read_bytes_total", "counter", "Bytes read.", DEV_U64(read_bytes) },
		{ "nimbus_volume_written_bytes_total", "counter", "Bytes written.",
		  DEV_U64(write_bytes) },
		{ "nimbus_volume_errors_total", "counter", "Requests failed.", DEV_U64(errors) },
		{ "nimbus_volume_read_latency_seconds", "gauge",
		  "Average latency of the reads since the device was mapped.", read_latency, 0 },
		{ "nimbus_volume_write_latency_seconds", "gauge",
		  "Average latency of the writes since the device was mapped.", write_latency, 0 },
		{ "nimbus_volume_live_connections", "gauge",
		  "Connections of the device to its storage server that are alive.", live_conns, 0 },
	};

	if (!a->cbs_ok || volumes_status(a))
		return;
	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		family(f, fams[k].name, fams[k].type, fams[k].help);
		for (size_t i = 0; i < a->n_devs; i++) {
			const struct ag_dev *d = &a->devs[i];
			uint64_t v;

			if (!ag_session_ours(d->session, a->tag))
				continue;
			fprintf(f, "%s{volume=\"", fams[k].name);
			label(f, d->name);
			fprintf(f, "\",device=\"cbs%u\"} ", d->index);
			if (fams[k].get) {
				fprintf(f, "%.9g\n", fams[k].get(d));
			} else {
				memcpy(&v, (const char *)d + fams[k].off, sizeof(v));
				fprintf(f, "%llu\n", (unsigned long long)v);
			}
		}
	}
}

/* The agent's own counters and gauges that are a uint64_t of struct agent. */
#define AG_U64(field) offsetof(struct agent, field)
static const struct {
	const char *name, *type, *help;
	size_t off;
} agent_u64[] = {
	{ "nimbus_agent_applied_revision", "gauge",
	  "The revision of the desired state the agent last applied.", AG_U64(applied_revision) },
	{ "nimbus_agent_reconciles_total", "counter", "Reconciles run.", AG_U64(reconciles) },
	{ "nimbus_agent_changes_total", "counter", "Kernel changes made.", AG_U64(changes) },
	{ "nimbus_agent_change_errors_total", "counter", "Kernel changes that failed.",
	  AG_U64(change_errors) },
	{ "nimbus_agent_relists_total", "counter", "Full reads of the desired state.",
	  AG_U64(relists) },
	{ "nimbus_agent_event_batches_total", "counter", "Event answers applied.",
	  AG_U64(events_batches) },
	{ "nimbus_agent_misses_total", "counter",
	  "vpc.ko's miss notifications: a VM sent to an address without a mapping.",
	  AG_U64(misses) },
	{ "nimbus_agent_miss_fetches_total", "counter",
	  "Mappings fetched from the controller for a miss (at most one per address a second).",
	  AG_U64(miss_fetches) },
	{ "nimbus_agent_miss_fetches_found_total", "counter",
	  "Fetched mappings the controller had, set in the kernel.", AG_U64(miss_found) },
	{ "nimbus_agent_claims_total", "counter",
	  "vpc.ko's claim notifications: a local VM claimed a VIP.", AG_U64(claims) },
	{ "nimbus_agent_claim_reports_total", "counter", "Claims reported to the controller.",
	  AG_U64(claim_reports) },
	{ "nimbus_agent_claims_refused_total", "counter", "Claims the controller refused.",
	  AG_U64(claim_refused) },
	{ "nimbus_agent_qos_changes_total", "counter",
	  "QoS changes tried: plane rates, ports' QoS set or turned off, classes collected.",
	  AG_U64(qos_changes) },
	{ "nimbus_agent_qos_errors_total", "counter",
	  "QoS changes that failed (also in nimbus_agent_change_errors_total).",
	  AG_U64(qos_errors) },
	{ "nimbus_agent_qos_refused_total", "counter",
	  "QoS changes refused by admission control: the ports' min would not fit.",
	  AG_U64(qos_refused) },
};

static size_t qos_ports(const struct agent *a)
{
	size_t n = 0;

	hmap_foreach(&a->have.ports, i)
		n += ag_qos_any(&((const struct ag_port *)a->have.ports.e[i].val)->qos);
	return n;
}

static char *render(struct agent *a, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	for (size_t k = 0; k < sizeof(agent_u64) / sizeof(agent_u64[0]); k++) {
		uint64_t v;

		memcpy(&v, (const char *)a + agent_u64[k].off, sizeof(v));
		family(f, agent_u64[k].name, agent_u64[k].type, agent_u64[k].help);
		fprintf(f, "%s %llu\n", agent_u64[k].name, (unsigned long long)v);
	}
	family(f, "nimbus_agent_reconcile_seconds_total", "counter",
	       "Time spent reconciling (divide by the reconciles for the average).");
	fprintf(f, "nimbus_agent_reconcile_seconds_total %.6f\n", (double)a->reconcile_ns / 1e9);
	family(f, "nimbus_agent_errors", "gauge",
	       "Objects whose last change failed (reported in the host's status).");
	fprintf(f, "nimbus_agent_errors %zu\n", a->errors.n);
	family(f, "nimbus_agent_pending_ports", "gauge", "Desired ports whose device is absent.");
	fprintf(f, "nimbus_agent_pending_ports %zu\n", a->pending.n);
	family(f, "nimbus_agent_mappings", "gauge", "Mappings in the kernel.");
	fprintf(f, "nimbus_agent_mappings %zu\n", a->have.maps.n);
	family(f, "nimbus_agent_qos_ports", "gauge", "Ports with QoS in the kernel.");
	fprintf(f, "nimbus_agent_qos_ports %zu\n", qos_ports(a));

	for (size_t k = 0; k < sizeof(port_families) / sizeof(port_families[0]); k++) {
		struct port_ctx c = { a, f, (int)k };

		family(f, port_families[k].name, "counter", port_families[k].help);
		kvpc_port_stats(a, port_cb, &c);
	}
	volume_metrics(a, f);
	fclose(f);
	return text;
}

static MHD_Result_t handler(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_len, void **ctx)
{
	struct agent *a = cls;
	struct MHD_Response *resp;
	unsigned int code = MHD_HTTP_OK;
	MHD_Result_t ret;
	char *text = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)ctx;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
	} else {
		text = render(a, &len);
		if (!text)
			code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	if (code != MHD_HTTP_OK) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
	}
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_start(struct agent *a)
{
	struct sockaddr_storage ss = { 0 };
	struct nb_addr addr;
	unsigned int port;

	if (nb_hostport_parse(a->opt.metrics, &addr, &port) || !port)
		return -EINVAL;
	if (addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, addr.b, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, addr.b, 16);
	}
	a->mhd = MHD_start_daemon(MHD_USE_EPOLL | (addr.family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  (uint16_t)port, NULL, NULL, handler, a,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	return a->mhd ? 0 : -EADDRINUSE;
}

void metrics_stop(struct agent *a)
{
	if (a->mhd)
		MHD_stop_daemon(a->mhd);
	a->mhd = NULL;
}

int metrics_fd(struct agent *a)
{
	const union MHD_DaemonInfo *info;

	if (!a->mhd)
		return -1;
	info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	return info ? info->epoll_fd : -1;
}

void metrics_run(struct agent *a)
{
	if (a->mhd)
		MHD_run(a->mhd);
}

// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "lib/cbs_client.h"
#include "lib/log.h"
#include "lib/sock.h"
#include "lib/token.h"
#include "storage/file.h"
#include "storage/replica.h"

#define CONFIG_MAX 1024
/* A down backup is tried again this often while writes wait for it. */
#define RETRY_MS 1000

struct replica_vol {
	char name[CBS_PROTO_NAME_LEN];
	pthread_rwlock_t lock;
	pthread_mutex_t change;
	struct cbs_config_req cfg;	/* lock; epoch 0: standalone */
	/*
	 * lock: a backup refused this server's replica session or request
	 * for a newer epoch: it is no longer the primary, until a newer
	 * configuration is recorded here.  Not persisted: after a restart the
	 * backups refuse it again.
	 */
	bool deposed;
	uint64_t newest_epoch;		/* lock: learnt from a backup, else 0 */
	char newest_primary[CBS_PROTO_ADDR_LEN];	/* lock */
	uint8_t state[CBS_PROTO_MAX_REPLICAS];	/* lock: the primary's view */
	struct replica_vol *next;	/* vols_lock; never freed before exit */
};

static pthread_mutex_t vols_lock = PTHREAD_MUTEX_INITIALIZER;
static struct replica_vol *vols;	/* vols_lock */
static int dir_fd = -1;
static unsigned int timeout_s = REPLICA_DEFAULT_TIMEOUT_S;
static volatile bool stopping;

int replica_init(const char *dir, unsigned int timeout)
{
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	if (timeout)
		timeout_s = timeout;
	return 0;
}

void replica_stop(void)
{
	stopping = true;
}

void replica_exit(void)
{
	struct replica_vol *rv;

	while ((rv = vols)) {
		vols = rv->next;
		pthread_rwlock_destroy(&rv->lock);
		pthread_mutex_destroy(&rv->change);
		explicit_bzero(rv->cfg.peer_token, sizeof(rv->cfg.peer_token));
		free(rv);
	}
	if (dir_fd >= 0)
		close(dir_fd);
	dir_fd = -1;
}

static void config_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s.replica", name);
}

/* Text, one "key value" a line; members in order. */
static int config_write(const struct cbs_config_req *c)
{
	char path[CBS_PROTO_NAME_LEN + 16], text[CONFIG_MAX];
	int len, ret;
	uint32_t i;

	config_path(path, sizeof(path), c->name);
	len = snprintf(text, sizeof(text), "epoch %llu\nself %u\nprimary %u\n",
		       (unsigned long long)c->epoch, c->self, c->primary);
	for (i = 0; i < c->count; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "member %s\n",
				c->members[i]);
	len += snprintf(text + len, sizeof(text) - (size_t)len, "peer_token %s\n",
			c->peer_token);
	ret = file_replace(dir_fd, path, text, (size_t)len);
	explicit_bzero(text, sizeof(text));
	return ret;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || end == s || n > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int config_parse(struct cbs_config_req *c, char *text)
{
	unsigned long long epoch;
	char *line, *save = NULL, *end;
	int ret = 0;

	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "epoch ", 6)) {
			errno = 0;
			epoch = strtoull(line + 6, &end, 10);
			ret = errno || *end || !epoch ? -EINVAL : 0;
			c->epoch = epoch;
		} else if (!strncmp(line, "self ", 5)) {
			ret = parse_u32(line + 5, &c->self);
		} else if (!strncmp(line, "primary ", 8)) {
			ret = parse_u32(line + 8, &c->primary);
		} else if (!strncmp(line, "member ", 7)) {
			if (c->count >= CBS_PROTO_MAX_REPLICAS ||
			    strlen(line + 7) >= CBS_PROTO_ADDR_LEN)
				return -EINVAL;
			strcpy(c->members[c->count++], line + 7);
		} else if (!strncmp(line, "peer_token ", 11)) {
			ret = cbs_token_set(c->peer_token, line + 11);
		} else {
			ret = -EINVAL;
		}
	}
	if (ret || !c->epoch || !c->count || c->self >= c->count ||
	    c->primary >= c->count || !c->peer_token[0])
		return -EINVAL;
	return 0;
}

/* The recorded configuration of rv, if any; vols_lock held. */
static void config_load(struct replica_vol *rv)
{
	char path[CBS_PROTO_NAME_LEN + 16], text[CONFIG_MAX];
	struct cbs_config_req c = { 0 };
	ssize_t n;
	int fd;

	config_path(path, sizeof(path), rv->name);
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			nb_log("volume %s: cannot read its replica configuration: %m", rv->name);
		return;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return;
	text[n] = '\0';
	memcpy(c.name, rv->name, sizeof(c.name));
	if (config_parse(&c, text)) {
		/* Serving it as standalone could make a second primary: refuse all. */
		nb_log("volume %s: bad replica configuration %s, the volume is not served",
			rv->name, path);
		rv->deposed = true;
	} else {
		rv->cfg = c;
	}
	explicit_bzero(text, sizeof(text));
	explicit_bzero(&c, sizeof(c));
}

/* vols_lock held. */
static struct replica_vol *replica_find(const char *name)
{
	struct replica_vol *rv;

	for (rv = vols; rv; rv = rv->next)
		if (!strcmp(rv->name, name))
			return rv;
	return NULL;
}

/* The volume exists on this server (its metadata file, volume.c). */
static bool volume_exists(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];

	snprintf(path, sizeof(path), "%s.meta", name);
	return !faccessat(dir_fd, path, F_OK, 0);
}

int replica_get(const char *name, struct replica_vol **out)
{
	struct replica_vol *rv;

	/* Only for volumes that exist: a stranger's names take no memory. */
	if (!volume_exists(name))
		return -ENOENT;
	pthread_mutex_lock(&vols_lock);
	rv = replica_find(name);
	if (rv)
		goto out;
	rv = calloc(1, sizeof(*rv));
	if (!rv) {
		pthread_mutex_unlock(&vols_lock);
		return -ENOMEM;
	}
	snprintf(rv->name, sizeof(rv->name), "%s", name);
	pthread_rwlock_init(&rv->lock, NULL);
	pthread_mutex_init(&rv->change, NULL);
	config_load(rv);
	rv->next = vols;
	vols = rv;
out:
	pthread_mutex_unlock(&vols_lock);
	*out = rv;
	return 0;
}

/* lock held. */
static bool is_primary(const struct replica_vol *rv)
{
	return !rv->deposed && rv->cfg.self == rv->cfg.primary;
}

/* lock held: the newest epoch known here and its primary, if known. */
static uint64_t newest(const struct replica_vol *rv, char primary[CBS_PROTO_ADDR_LEN])
{
	memset(primary, 0, CBS_PROTO_ADDR_LEN);
	if (rv->newest_epoch > rv->cfg.epoch) {
		memcpy(primary, rv->newest_primary, CBS_PROTO_ADDR_LEN);
		return rv->newest_epoch;
	}
	if (rv->cfg.epoch)
		memcpy(primary, rv->cfg.members[rv->cfg.primary], CBS_PROTO_ADDR_LEN);
	return rv->cfg.epoch;
}

int replica_hello(struct replica_vol *rv, bool replica, uint64_t session_epoch,
		  uint64_t *epoch, char primary[CBS_PROTO_ADDR_LEN])
{
	int ret;

	pthread_rwlock_rdlock(&rv->lock);
	*epoch = newest(rv, primary);
	if (replica)
		ret = !rv->deposed && rv->cfg.epoch && session_epoch == rv->cfg.epoch &&
		      rv->cfg.self != rv->cfg.primary ? 0 : -CBS_ERR_NOT_PRIMARY;
	else
		ret = is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_check_client(struct replica_vol *rv)
{
	int ret;

	pthread_rwlock_rdlock(&rv->lock);
	ret = is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_backup_begin(struct replica_vol *rv, uint64_t session_epoch)
{
	pthread_rwlock_rdlock(&rv->lock);
	if (!rv->deposed && rv->cfg.epoch == session_epoch &&
	    rv->cfg.self != rv->cfg.primary)
		return 0;
	pthread_rwlock_unlock(&rv->lock);
	return -CBS_ERR_NOT_PRIMARY;
}

void replica_backup_end(struct replica_vol *rv)
{
	pthread_rwlock_unlock(&rv->lock);
}

bool replica_has_backups(struct replica_vol *rv)
{
	bool ret;

	pthread_rwlock_rdlock(&rv->lock);
	ret = rv->cfg.count > 1;
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

/* Install c as rv's configuration, durably first; lock held for writing. */
static int install_locked(struct replica_vol *rv, const struct cbs_config_req *c)
{
	int ret = config_write(c);
	uint32_t i;

	if (ret)
		return ret;
	if (rv->cfg.epoch != c->epoch)
		nb_log("volume %s: epoch %llu -> %llu, %s of %u, primary %s", rv->name,
			(unsigned long long)rv->cfg.epoch, (unsigned long long)c->epoch,
			c->self == c->primary ? "primary" : "backup", c->count,
			c->members[c->primary]);
	rv->cfg = *c;
	rv->deposed = false;
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		rv->state[i] = i < c->count ? CBS_REPLICA_IN_SYNC : CBS_REPLICA_DOWN;
	return 0;
}

int replica_config(const struct cbs_config_req *r)
{
	struct replica_vol *rv;
	int ret;

	ret = replica_get(r->name, &rv);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&rv->lock);
	if (r->epoch <= rv->cfg.epoch)
		ret = -ESTALE;
	else
		ret = install_locked(rv, r);
	pthread_rwlock_unlock(&rv->lock);
	return ret;
}

int replica_status(const char *name, struct cbs_replica_status *out)
{
	struct replica_vol *rv;
	struct cbs_replica_entry *e;
	uint32_t i;
	int ret;

	ret = replica_get(name, &rv);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&rv->lock);
	if (!rv->cfg.epoch) {
		/* Standalone: one member, this server, whose address it does not know. */
		out->count = htole32(1);
		out->members[0].role = htole32(rv->deposed ? CBS_ROLE_STALE : CBS_ROLE_PRIMARY);
		out->members[0].state = htole32(CBS_REPLICA_IN_SYNC);
		goto out;
	}
	out->epoch = htole64(rv->cfg.epoch);
	out->count = htole32(rv->cfg.count);
	out->self = htole32(rv->cfg.self);
	out->primary = htole32(rv->cfg.primary);
	for (i = 0; i < rv->cfg.count; i++) {
		e = &out->members[i];
		memcpy(e->addr, rv->cfg.members[i], sizeof(e->addr));
		e->epoch = htole64(rv->cfg.epoch);
		e->role = htole32(i == rv->cfg.primary ? CBS_ROLE_PRIMARY : CBS_ROLE_BACKUP);
		e->state = htole32(rv->state[i]);
	}
	if (rv->deposed)
		out->members[rv->cfg.self].role = htole32(CBS_ROLE_STALE);
out:
	pthread_rwlock_unlock(&rv->lock);
	return 0;
}

void replica_list_info(const char *name, uint64_t *epoch, uint32_t *role)
{
	struct replica_vol *rv;

	*epoch = 0;
	*role = CBS_ROLE_PRIMARY;
	if (replica_get(name, &rv))
		return;
	pthread_rwlock_rdlock(&rv->lock);
	*epoch = rv->newest_epoch > rv->cfg.epoch ? rv->newest_epoch : rv->cfg.epoch;
	if (rv->deposed)
		*role = CBS_ROLE_STALE;
	else if (rv->cfg.epoch && rv->cfg.self != rv->cfg.primary)
		*role = CBS_ROLE_BACKUP;
	pthread_rwlock_unlock(&rv->lock);
}

void replica_forget(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 16];
	struct replica_vol *rv;

	config_path(path, sizeof(path), name);
	if (unlinkat(dir_fd, path, 0) == 0)
		fsync(dir_fd);
	pthread_mutex_lock(&vols_lock);
	rv = replica_find(name);
	pthread_mutex_unlock(&vols_lock);
	if (!rv)
		return;
	pthread_rwlock_wrlock(&rv->lock);
	memset(&rv->cfg, 0, sizeof(rv->cfg));
	memcpy(rv->cfg.name, rv->name, sizeof(rv->cfg.name));
	rv->deposed = false;
	rv->newest_epoch = 0;
	pthread_rwlock_unlock(&rv->lock);
}

int replica_copy(const char *src, const char *dst)
{
	struct replica_vol *rs, *rd;
	struct cbs_config_req c;
	int ret;

	ret = replica_get(src, &rs);
	if (!ret)
		ret = replica_get(dst, &rd);
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&rs->lock);
	c = rs->cfg;
	pthread_rwlock_unlock(&rs->lock);
	if (!c.epoch)
		return 0;
	memcpy(c.name, rd->name, sizeof(c.name));
	c.epoch = 1;
	pthread_rwlock_wrlock(&rd->lock);
	ret = install_locked(rd, &c);
	pthread_rwlock_unlock(&rd->lock);
	explicit_bzero(&c, sizeof(c));
	return ret;
}

/* ---- Talking to the peers ---- */

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = timeout_s };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* An admin session to a peer: its fd, or -errno. */
static int peer_admin(const char *addr, const char *token)
{
	struct cbs_hello_req h = { .admin = true };
	struct cbs_hello_reply rep;
	int fd;

	memcpy(h.token, token, sizeof(h.token));
	fd = cbs_client_connect(addr, (int)timeout_s * 1000, &h, &rep);
	explicit_bzero(&h, sizeof(h));
	if (fd >= 0)
		set_timeouts(fd);
	return fd;
}

/* CONFIG c on the peer at addr; 0 or -errno. */
static int peer_config(const char *addr, const struct cbs_config_req *c)
{
	struct cbs_admin_config raw;
	int fd, ret;

	fd = peer_admin(addr, c->peer_token);
	if (fd < 0)
		return fd;
	cbs_proto_encode_config(c, &raw);
	ret = cbs_client_admin(fd, CBS_OP_CONFIG, &raw, sizeof(raw), NULL, NULL);
	explicit_bzero(&raw, sizeof(raw));
	close(fd);
	return ret > 0 ? -ret : ret;
}

/* STATUS of name on the peer at addr: its recorded epoch. */
static int peer_epoch(const char *addr, const char *token, const char *name,
		      uint64_t *epoch)
{
	struct cbs_config_req q = { 0 };
	struct cbs_admin_config raw;
	struct cbs_replica_status *st;
	void *reply = NULL;
	uint32_t len = 0;
	int fd, ret;

	fd = peer_admin(addr, token);
	if (fd < 0)
		return fd;
	memcpy(q.name, name, sizeof(q.name));
	cbs_proto_encode_config(&q, &raw);
	ret = cbs_client_admin(fd, CBS_OP_STATUS, &raw, sizeof(raw), &reply, &len);
	close(fd);
	if (ret)
		return ret > 0 ? -ret : ret;
	if (len != sizeof(*st)) {
		free(reply);
		return -EPROTO;
	}
	st = reply;
	*epoch = le64toh(st->epoch);
	free(reply);
	return 0;
}

/*
 * c with this server's index: members in c's order, self the index of
 * addr.  The config each member records differs only in self.
 */
static void config_for(struct cbs_config_req *out, const struct cbs_config_req *c,
		       uint32_t self)
{
	*out = *c;
	out->flags = 0;
	out->self = self;
}

/*
 * Record the new configuration nc (self = this server, primary) on its
 * other members; mark those that recorded it in ok[].  Returns how many.
 */
static unsigned int record_on_peers(const struct cbs_config_req *nc,
				    bool ok[CBS_PROTO_MAX_REPLICAS])
{
	struct cbs_config_req pc;
	unsigned int n = 0;
	uint32_t i;
	int ret;

	for (i = 0; i < nc->count; i++) {
		ok[i] = false;
		if (i == nc->self)
			continue;
		config_for(&pc, nc, i);
		ret = peer_config(nc->members[i], &pc);
		explicit_bzero(&pc, sizeof(pc));
		if (ret) {
			nb_log("volume %s: %s did not record epoch %llu: %s", nc->name,
				nc->members[i], (unsigned long long)nc->epoch, strerror(-ret));
			continue;
		}
		ok[i] = true;
		n++;
	}
	return n;
}

int replica_promote(const struct cbs_config_req *r)
{
	struct cbs_config_req old, nc = { 0 };
	bool ok[CBS_PROTO_MAX_REPLICAS];
	struct replica_vol *rv;
	unsigned int recorded;
	uint64_t epoch;
	uint32_t i;
	int ret;

	ret = replica_get(r->name, &rv);
	if (ret)
		return ret;
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_rdlock(&rv->lock);
	old = rv->cfg;
	pthread_rwlock_unlock(&rv->lock);
	if (!old.epoch) {
		ret = -EINVAL;		/* standalone: nothing to promote in */
		goto out;
	}
	if (r->epoch <= old.epoch) {
		ret = -ESTALE;
		goto out;
	}
	/* The new configuration: this server first, then the members that answer. */
	memcpy(nc.name, old.name, sizeof(nc.name));
	memcpy(nc.peer_token, r->peer_token, sizeof(nc.peer_token));
	nc.epoch = r->epoch;
	memcpy(nc.members[nc.count++], old.members[old.self], CBS_PROTO_ADDR_LEN);
	for (i = 0; i < old.count; i++) {
		if (i == old.self)
			continue;
		ret = peer_epoch(old.members[i], r->peer_token, old.name, &epoch);
		if (ret) {
			nb_log("volume %s: promote: %s does not answer: %s", old.name,
				old.members[i], strerror(-ret));
			continue;
		}
		if (epoch >= r->epoch) {
			nb_log("volume %s: promote: %s has epoch %llu, not below %llu",
				old.name, old.members[i], (unsigned long long)epoch,
				(unsigned long long)r->epoch);
			ret = -ESTALE;
			goto out;
		}
		memcpy(nc.members[nc.count++], old.members[i], CBS_PROTO_ADDR_LEN);
	}
	recorded = 1 + record_on_peers(&nc, ok);
	if (2 * recorded <= old.count) {
		if (!(r->flags & CBS_CONFIG_F_FORCE)) {
			nb_log("volume %s: promote to epoch %llu refused: recorded on %u of "
				"the %u members of epoch %llu, not a majority", old.name,
				(unsigned long long)r->epoch, recorded, old.count,
				(unsigned long long)old.epoch);
			ret = -EHOSTDOWN;
			goto out;
		}
		nb_log("volume %s: promote to epoch %llu FORCED with %u of %u members: "
			"the members not reached may form another side with its own "
			"primary, and writes acknowledged there since are not here",
			old.name, (unsigned long long)r->epoch, recorded, old.count);
	}
	/* Members that answered but did not record it are behind: not in sync. */
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch >= nc.epoch) {
		ret = -ESTALE;
	} else {
		ret = install_locked(rv, &nc);
		for (i = 1; !ret && i < nc.count; i++)
			if (!ok[i])
				rv->state[i] = CBS_REPLICA_DOWN;
	}
	pthread_rwlock_unlock(&rv->lock);
out:
	pthread_mutex_unlock(&rv->change);
	explicit_bzero(&nc, sizeof(nc));
	explicit_bzero(&old, sizeof(old));
	return ret;
}

/* ---- The primary's forwarding ---- */

void replica_links_init(struct replica_links *links)
{
	uint32_t i;

	memset(links, 0, sizeof(*links));
	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		links->l[i].fd = -1;
}

static void link_close(struct replica_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void replica_links_close(struct replica_links *links)
{
	uint32_t i;

	for (i = 0; i < CBS_PROTO_MAX_REPLICAS; i++)
		link_close(&links->l[i]);
}

/* What a write step learnt about one backup. */
enum link_result {
	LINK_OK,
	LINK_DOWN,		/* no answer, or out of step: not in sync */
	LINK_NEWER,		/* it knows a newer epoch */
	LINK_FAILED,		/* it answered an I/O error */
};

/*
 * The link to addr for (epoch, generation), opened if needed.  *newer: the
 * epoch the backup's refusal names.
 */
static enum link_result link_open(struct replica_link *l, const struct cbs_config_req *c,
				  uint64_t generation, const char *addr, uint64_t *newer,
				  char newer_primary[CBS_PROTO_ADDR_LEN])
{
	struct cbs_hello_req h = { .replica = true };
	struct cbs_hello_reply rep = { 0 };
	int fd;

	if (l->fd >= 0 && l->epoch == c->epoch && l->generation == generation &&
	    !strcmp(l->addr, addr))
		return LINK_OK;
	link_close(l);
	h.generation = generation;
	h.epoch = c->epoch;
	memcpy(h.name, c->name, sizeof(h.name));
	memcpy(h.token, c->peer_token, sizeof(h.token));
	fd = cbs_client_connect(addr, (int)timeout_s * 1000, &h, &rep);
	explicit_bzero(&h, sizeof(h));
	if (fd == -CBS_ERR_NOT_PRIMARY && le64toh(rep.epoch) > c->epoch) {
		*newer = le64toh(rep.epoch);
		memcpy(newer_primary, rep.primary, CBS_PROTO_ADDR_LEN);
		newer_primary[CBS_PROTO_ADDR_LEN - 1] = '\0';
		return LINK_NEWER;
	}
	if (fd < 0)
		return LINK_DOWN;
	set_timeouts(fd);
	l->fd = fd;
	l->epoch = c->epoch;
	l->generation = generation;
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	return LINK_OK;
}

static enum link_result link_send(struct replica_link *l, const struct cbs_req *req,
				  const void *payload)
{
	uint32_t plen = req->op == CBS_OP_WRITE ? req->length : 0;
	struct cbs_request raw = {
		.magic = htole32(CBS_REQUEST_MAGIC),
		.op = htole16(req->op),
		.flags = htole16(req->flags),
		.handle = htole64(++l->handle),
		.offset = htole64(req->offset),
		.generation = htole64(l->generation),
		.length = htole32(req->length),
	};

	if (nb_send_all(l->fd, &raw, sizeof(raw), plen ? MSG_MORE : 0) ||
	    (plen && nb_send_all(l->fd, payload, plen, 0))) {
		link_close(l);
		return LINK_DOWN;
	}
	return LINK_OK;
}

static enum link_result link_reply(struct replica_link *l, int *err)
{
	struct cbs_reply rep;

	if (nb_recv_all(l->fd, &rep, sizeof(rep)) ||
	    le32toh(rep.magic) != CBS_REPLY_MAGIC ||
	    le64toh(rep.handle) != l->handle || rep.length) {
		link_close(l);
		return LINK_DOWN;
	}
	*err = (int)le32toh(rep.error);
	if (*err == CBS_ERR_NOT_PRIMARY) {
		link_close(l);
		return LINK_NEWER;
	}
	return *err ? LINK_FAILED : LINK_OK;
}

/*
 * A backup knows an epoch newer than epoch: unless this server moved on
 * to a newer one itself meanwhile, it is deposed.  true if deposed.
 */
static bool depose(struct replica_vol *rv, uint64_t epoch, uint64_t newer,
		   const char *newer_primary)
{
	bool ret = false;

	/* Not while this server records a newer epoch of its own (drop_backup()). */
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_wrlock(&rv->lock);
	if (rv->cfg.epoch == epoch) {
		if (!rv->deposed)
			nb_log("volume %s: a backup knows an epoch newer than %llu: "
				"no longer primary", rv->name, (unsigned long long)epoch);
		rv->deposed = true;
		if (newer > rv->newest_epoch) {
			rv->newest_epoch = newer;
			memcpy(rv->newest_primary, newer_primary, CBS_PROTO_ADDR_LEN);
		}
		ret = true;
	}
	pthread_rwlock_unlock(&rv->lock);
	pthread_mutex_unlock(&rv->change);
	return ret;
}

/*
 * Backup i of epoch c (the snapshot cfg) does not answer.  With three
 * members the primary drops it: epoch + 1 without it, recorded on the other
 * backup (with this server, a majority of three).  Else nothing: the write
 * waits.  true if the configuration changed.
 */
static bool drop_backup(struct replica_vol *rv, const struct cbs_config_req *c, uint32_t dead)
{
	struct cbs_config_req nc = { 0 };
	bool ok[CBS_PROTO_MAX_REPLICAS];
	uint32_t i;
	bool ret = false;

	if (c->count < 3)
		return false;
	pthread_mutex_lock(&rv->change);
	pthread_rwlock_rdlock(&rv->lock);
	i = rv->cfg.epoch == c->epoch && is_primary(rv);
	pthread_rwlock_unlock(&rv->lock);
	if (!i) {
		/* Someone changed it already: the caller starts over. */
		pthread_mutex_unlock(&rv->change);
		return true;
	}
	memcpy(nc.name, c->name, sizeof(nc.name));
	memcpy(nc.peer_token, c->peer_token, sizeof(nc.peer_token));
	nc.epoch = c->epoch + 1;
	for (i = 0; i < c->count; i++) {
		if (i == dead)
			continue;
		if (i == c->self)
			nc.self = nc.primary = nc.count;
		memcpy(nc.members[nc.count++], c->members[i], CBS_PROTO_ADDR_LEN);
	}
	if (2 * (1 + record_on_peers(&nc, ok)) > c->count) {
		pthread_rwlock_wrlock(&rv->lock);
		if (rv->cfg.epoch == c->epoch && !install_locked(rv, &nc)) {
			nb_log("volume %s: backup %s dropped after %us without an answer",
				rv->name, c->members[dead], timeout_s);
			ret = true;
		}
		pthread_rwlock_unlock(&rv->lock);
	}
	pthread_mutex_unlock(&rv->change);
	explicit_bzero(&nc, sizeof(nc));
	return ret;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int replica_write(struct replica_vol *rv, struct replica_links *links,
		  uint64_t generation, const struct cbs_req *req, const void *payload,
		  int (*apply)(void *arg), void *arg)
{
	enum link_result res[CBS_PROTO_MAX_REPLICAS];
	char newer_primary[CBS_PROTO_ADDR_LEN] = "";
	bool use[CBS_PROTO_MAX_REPLICAS];
	struct cbs_config_req c;
	uint64_t newer;
	uint32_t i, down;
	int ret, err;

again:
	pthread_rwlock_rdlock(&rv->lock);
	c = rv->cfg;
	ret = is_primary(rv) ? 0 : -CBS_ERR_NOT_PRIMARY;
	/* The in-sync backups count; the others catch up on their own. */
	for (i = 0; i < c.count; i++)
		use[i] = i != c.self && rv->state[i] == CBS_REPLICA_IN_SYNC;
	pthread_rwlock_unlock(&rv->lock);
	if (ret)
		goto out;
	/* Send to all, apply here, then collect: the backups work meanwhile. */
	newer = 0;
	for (i = 0; i < c.count; i++) {
		if (!use[i])
			continue;
		res[i] = link_open(&links->l[i], &c, generation, c.members[i], &newer,
				   newer_primary);
		if (res[i] == LINK_OK)
			res[i] = link_send(&links->l[i], req, payload);
	}
	/* A retry applies again: the same data to the same place. */
	ret = apply(arg);
	for (i = 0; i < c.count; i++) {
		if (!use[i] || res[i] != LINK_OK)
			continue;
		res[i] = link_reply(&links->l[i], &err);
		if (res[i] == LINK_FAILED && !ret)
			ret = -err;
	}
	down = c.count;
	for (i = 0; i < c.count; i++) {
		if (!use[i])
			continue;
		if (res[i] == LINK_NEWER) {
			if (depose(rv, c.epoch, newer, newer_primary)) {
				ret = -CBS_ERR_NOT_PRIMARY;
				goto out;
			}
			goto again;	/* this server moved on: resend at its epoch */
		}
		if (res[i] == LINK_DOWN)
			down = i;
	}
	if (down < c.count) {
		if (!drop_backup(rv, &c, down)) {
			if (stopping) {
				ret = -EIO;
				goto out;
			}
			sleep_ms(RETRY_MS);
		}
		goto again;
	}
	/* Acknowledged by every member: unless a newer epoch exists here now. */
	pthread_rwlock_rdlock(&rv->lock);
	if (rv->cfg.epoch != c.epoch)
		err = is_primary(rv) ? 1 : -CBS_ERR_NOT_PRIMARY;
	else
		err = 0;
	pthread_rwlock_unlock(&rv->lock);
	if (err > 0)
		goto again;
	if (err)
		ret = err;
out:
	explicit_bzero(&c, sizeof(c));
	return ret;
}

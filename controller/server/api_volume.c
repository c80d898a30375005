// SPDX-License-Identifier: GPL-2.0
/*
 * Volumes: placed on a storage server with room and created there for real
 * (cbsadm.c) before the answer; attached to one host at a time, each attach
 * raising the generation that fences the volume's earlier holders.
 *
 * Creating and deleting talk to the storage server without holding the
 * lock: a create reserves its size on the server in the cache first, a
 * delete marks the volume so that nobody attaches it meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "controller/server/api.h"
#include "controller/server/cbsadm.h"

static bool is_get(struct call *k)
{
	return !strcmp(k->r->method, "GET");
}

/* The server with the most room that can hold SIZE more bytes, or NULL. */
static struct obj *place(struct model *m, uint64_t size)
{
	struct obj *best = NULL;
	uint64_t best_free = 0;

	hmap_foreach(&m->objs[K_SERVER], i) {
		struct obj *s = m->objs[K_SERVER].e[i].val;
		uint64_t cap = (uint64_t)jx_int(s->v, "capacity", 0);
		uint64_t free = cap > s->allocated ? cap - s->allocated : 0;

		if (free >= size && (!best || free > best_free)) {
			best = s;
			best_free = free;
		}
	}
	return best;
}

static int create_volume(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "name", JX_STRING, true },
		{ "size", JX_UINT, true },
		{ "block_size", JX_UINT, false },
		{ "tenant", JX_STRING, false },
		{ NULL, 0, false },
	};
	char id[32], token[49], tenant[64], srv_id[64], address[80], admin[64], err[256];
	struct ctx *c = k->c;
	long long bs, size;
	struct obj *srv;
	json_t *b, *v;
	int ret;

	pthread_rwlock_wrlock(&c->lock);
	if (k->role == R_HOST) {
		fail(k, 403, "this operation is not for a host");
		goto unlock;
	}
	b = body_obj(k, fields);
	if (!b)
		goto unlock;
	size = jx_int(b, "size", 0);
	bs = jx_int(b, "block_size", 4096);
	if (!valid_name(jx_str(b, "name", ""))) {
		fail(k, 400, "name must be 1 to 63 printable characters");
		goto unlock;
	}
	if (bs != 512 && bs != 4096) {
		fail(k, 400, "block_size must be 512 or 4096");
		goto unlock;
	}
	if (size < 1 || size % bs) {
		fail(k, 400, "size must be a positive multiple of block_size (%lld)", bs);
		goto unlock;
	}
	if (k->role == R_TENANT && json_object_get(b, "tenant")) {
		fail(k, 400, "tenant is given by your token; leave it out");
		goto unlock;
	}
	if (k->role == R_ADMIN && !json_object_get(b, "tenant")) {
		fail(k, 400, "field \"tenant\" is missing: the admin names the volume's owner");
		goto unlock;
	}
	snprintf(tenant, sizeof(tenant), "%s", k->role == R_TENANT ? k->who :
		 jx_str(b, "tenant", ""));
	if (!lookup(k, K_TENANT, tenant, "tenant"))
		goto unlock;
	srv = place(&c->model, (uint64_t)size);
	if (!srv) {
		fail(k, 507, "no storage server has room for %lld bytes", size);
		goto unlock;
	}
	if (nb_random_hex(token, 24)) {
		fail(k, 500, "no randomness");
		goto unlock;
	}
	new_id(c, K_VOLUME, "vol-", id, sizeof(id));
	snprintf(srv_id, sizeof(srv_id), "%s", srv->id);
	snprintf(address, sizeof(address), "%s", jx_str(srv->v, "address", ""));
	snprintf(admin, sizeof(admin), "%s", jx_str(srv->v, "_admin_token", ""));
	v = json_pack("{sssOsssIsIsssnsiss}", "id", id, "name", json_object_get(b, "name"),
		      "tenant", tenant, "size", (json_int_t)size, "block_size", (json_int_t)bs,
		      "server", srv_id, "host", "generation", 1, "_token", token);
	/* Reserved until committed, so that concurrent creates place elsewhere. */
	srv->allocated += (uint64_t)size;
	pthread_rwlock_unlock(&c->lock);

	ret = cbsadm_create(address, admin, id, token, (uint64_t)size, (uint32_t)bs,
			    c->cbs_timeout_ms, err, sizeof(err));

	pthread_rwlock_wrlock(&c->lock);
	srv = model_get(&c->model, K_SERVER, srv_id);
	if (srv)
		srv->allocated -= (uint64_t)size;
	if (ret) {
		json_decref(v);
		fail(k, 502, "%s", err);
		goto unlock;
	}
	if (!srv || !model_get(&c->model, K_TENANT, tenant)) {
		json_decref(v);
		ret = fail(k, 409, "the storage server or the tenant went away meanwhile");
	} else {
		ret = commit(k, &(struct change){ K_VOLUME, id, v }, 1, NULL);
	}
	if (ret) {
		pthread_rwlock_unlock(&c->lock);
		/* Not recorded: take it off the server again. */
		cbsadm_delete(address, admin, id, c->cbs_timeout_ms, err, sizeof(err));
		return -1;
	}
	reply_json(k, 201, view_api(&c->model, model_get(&c->model, K_VOLUME, id)));
unlock:
	pthread_rwlock_unlock(&c->lock);
	return 0;
}

int h_volumes(struct call *k)
{
	if (!is_get(k))
		return create_volume(k);
	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host");
	return reply_list(k, K_VOLUME, NULL, NULL);
}

static int delete_volume(struct call *k)
{
	char id[32], address[80], admin[64], err[256];
	struct ctx *c = k->c;
	struct obj *vol, *srv;
	int ret;

	pthread_rwlock_wrlock(&c->lock);
	vol = lookup(k, K_VOLUME, k->param[0], "volume");
	if (!vol)
		goto unlock;
	if (json_is_string(json_object_get(vol->v, "host"))) {
		fail(k, 409, "volume %s is attached to host %s: detach it first", vol->id,
		     jx_str(vol->v, "host", ""));
		goto unlock;
	}
	if (hmap_has(&c->deleting, vol->id)) {
		fail(k, 409, "volume %s is being deleted", vol->id);
		goto unlock;
	}
	srv = model_get(&c->model, K_SERVER, jx_str(vol->v, "server", NULL));
	snprintf(id, sizeof(id), "%s", vol->id);
	snprintf(address, sizeof(address), "%s", srv ? jx_str(srv->v, "address", "") : "");
	snprintf(admin, sizeof(admin), "%s", srv ? jx_str(srv->v, "_admin_token", "") : "");
	hmap_put(&c->deleting, id, NULL);
	pthread_rwlock_unlock(&c->lock);

	ret = srv ? cbsadm_delete(address, admin, id, c->cbs_timeout_ms, err, sizeof(err)) : 0;

	pthread_rwlock_wrlock(&c->lock);
	hmap_del(&c->deleting, id);
	/* Already gone from the server (ENOENT) is gone. */
	if (ret && ret != ENOENT) {
		fail(k, 502, "%s", err);
		goto unlock;
	}
	if (model_get(&c->model, K_VOLUME, id) &&
	    commit(k, &(struct change){ K_VOLUME, id, NULL }, 1, NULL))
		goto unlock;
	reply_text(k, 204, NULL);
unlock:
	pthread_rwlock_unlock(&c->lock);
	return 0;
}

int h_volume(struct call *k)
{
	struct obj *vol;

	/* DELETE runs without the lock (LK_SELF): it takes it itself. */
	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host");
	if (!is_get(k))
		return delete_volume(k);
	vol = lookup(k, K_VOLUME, k->param[0], "volume");
	if (!vol)
		return -1;
	return reply_json(k, 200, view_api(&k->c->model, vol));
}

int h_volume_attach(struct call *k)
{
	static const struct jx_field fields[] = {
		{ "host", JX_STRING, true },
		{ NULL, 0, false },
	};
	struct obj *vol, *host;
	const char *cur;
	json_t *b, *v;

	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host");
	vol = lookup(k, K_VOLUME, k->param[0], "volume");
	if (!vol || !(b = body_obj(k, fields)))
		return -1;
	host = model_get(&k->c->model, K_HOST, jx_str(b, "host", ""));
	if (!host)
		return fail(k, 404, "host %s not found", jx_str(b, "host", ""));
	if (hmap_has(&k->c->deleting, vol->id))
		return fail(k, 409, "volume %s is being deleted", vol->id);
	cur = jx_str(vol->v, "host", NULL);
	if (cur && !strcmp(cur, host->id))
		return reply_json(k, 200, view_api(&k->c->model, vol));
	if (cur)
		return fail(k, 409, "volume %s is attached to host %s", vol->id, cur);
	v = json_copy(vol->v);
	json_object_set_new(v, "host", json_string(host->id));
	json_object_set_new(v, "generation", json_integer(jx_int(vol->v, "generation", 1) + 1));
	return commit_reply(k, K_VOLUME, vol->id, v, NULL, 200);
}

int h_volume_detach(struct call *k)
{
	struct obj *vol;
	json_t *v;

	if (k->role == R_HOST)
		return fail(k, 403, "this operation is not for a host");
	vol = lookup(k, K_VOLUME, k->param[0], "volume");
	if (!vol)
		return -1;
	if (k->r->body_len && !body_obj(k, (const struct jx_field[]){ { NULL, 0, false } }))
		return -1;
	if (!json_is_string(json_object_get(vol->v, "host")))
		return reply_json(k, 200, view_api(&k->c->model, vol));
	v = json_copy(vol->v);
	json_object_set_new(v, "host", json_null());
	return commit_reply(k, K_VOLUME, vol->id, v, NULL, 200);
}

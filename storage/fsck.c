// SPDX-License-Identifier: GPL-2.0
/*
 * cbs-server --fsck --data DIR: check a data directory offline against
 * the format of Documentation/cbs.md ("On-disk format"), without changing
 * it.  A problem is something the server cannot load or would serve wrong
 * data from; a leftover is what an operation cut short by a crash leaves,
 * which the server sweeps at its next start and which changes no volume.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "storage/fsck.h"
#include "storage/store.h"
#include "storage/volume.h"

struct fsck_layer {
	uint64_t id;
	uint64_t parent;
	uint32_t block_size;
	bool meta_ok;			/* ID.layer read */
	bool has_data, has_map;
	uint64_t data_size, map_size;
	unsigned int names;		/* volumes' tops and snapshots naming it */
	unsigned int children;
	bool live;			/* reachable from a name */
	char owner[CBS_PROTO_NAME_LEN + 16];	/* first name, for messages */
};

struct fsck {
	FILE *out;
	int dir, layers_dir;
	struct fsck_layer *layers;
	size_t nlayers, cap;
	unsigned int problems, leftovers, volumes;
};

static void problem(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(f->out, "problem: ");
	vfprintf(f->out, fmt, ap);
	fprintf(f->out, "\n");
	va_end(ap);
	f->problems++;
}

static void leftover(struct fsck *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(f->out, "leftover: ");
	vfprintf(f->out, fmt, ap);
	fprintf(f->out, " (swept at the next start)\n");
	va_end(ap);
	f->leftovers++;
}

static struct fsck_layer *layer_find(struct fsck *f, uint64_t id)
{
	for (size_t i = 0; i < f->nlayers; i++)
		if (f->layers[i].id == id)
			return &f->layers[i];
	return NULL;
}

static struct fsck_layer *layer_add(struct fsck *f, uint64_t id)
{
	struct fsck_layer *l = layer_find(f, id);

	if (l)
		return l;
	if (f->nlayers == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		void *p = realloc(f->layers, cap * sizeof(*f->layers));

		if (!p)
			return NULL;
		f->layers = p;
		f->cap = cap;
	}
	l = &f->layers[f->nlayers++];
	memset(l, 0, sizeof(*l));
	l->id = id;
	return l;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && !strcmp(name + n - s, suffix);
}

/* Every file of DIR/layers: its layer, or a leftover. */
static int scan_layers(struct fsck *f)
{
	unsigned long long id;
	struct fsck_layer *l;
	struct dirent *e;
	char suffix[16];
	struct stat st;
	int fd, n;
	DIR *d;

	fd = dup(f->layers_dir);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return -errno;
	/* A dup shares the offset of the fd: from the start. */
	rewinddir(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = 0;
		if (e->d_name[0] == '.' ||
		    sscanf(e->d_name, "%16llx.%15s%n", &id, suffix, &n) != 2 ||
		    n != (int)strlen(e->d_name) || strlen(e->d_name) != 17 + strlen(suffix) ||
		    (strcmp(suffix, "data") && strcmp(suffix, "map") && strcmp(suffix, "layer"))) {
			leftover(f, "layers/%s: not a layer's file", e->d_name);
			continue;
		}
		l = layer_add(f, id);
		if (!l) {
			closedir(d);
			return -ENOMEM;
		}
		if (fstatat(f->layers_dir, e->d_name, &st, 0)) {
			problem(f, "layers/%s: %s", e->d_name, strerror(errno));
			continue;
		}
		if (!strcmp(suffix, "data")) {
			l->has_data = true;
			l->data_size = (uint64_t)st.st_size;
		} else if (!strcmp(suffix, "map")) {
			l->has_map = true;
			l->map_size = (uint64_t)st.st_size;
		} else {
			l->meta_ok = !store_layer_meta_read(f->layers_dir, id, &l->parent,
							    &l->block_size);
			if (!l->meta_ok)
				l->block_size = 0;
		}
	}
	closedir(d);
	return 0;
}

/* A layer that a volume names: it must be whole. */
static struct fsck_layer *named(struct fsck *f, const char *vol, const char *what,
				uint64_t id, uint32_t block_size)
{
	struct fsck_layer *l = layer_find(f, id);

	if (!l || !l->meta_ok) {
		problem(f, "volume %s: %s: layer %016" PRIx64 " %s", vol, what, id,
			l ? "has no readable .layer file" : "does not exist");
		return NULL;
	}
	if (l->block_size != block_size)
		problem(f, "volume %s: %s: layer %016" PRIx64 " has block size %u, not %u",
			vol, what, id, l->block_size, block_size);
	if (!l->names++)
		snprintf(l->owner, sizeof(l->owner), "%s %s", vol, what);
	else
		problem(f, "volume %s: %s: layer %016" PRIx64 " is named twice (also %s)",
			vol, what, id, l->owner);
	return l;
}

static void check_volume(struct fsck *f, const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	struct vol_meta *m = malloc(sizeof(*m));
	struct fsck_layer *top, *l;
	struct stat st;
	size_t steps;
	bool origin_found = false;
	int ret;

	if (!m) {
		problem(f, "out of memory");
		return;
	}
	f->volumes++;
	ret = vol_meta_read(f->dir, name, m);
	if (ret) {
		problem(f, "volume %s: %s.meta: %s", name, name,
			ret == -EINVAL ? "malformed" : strerror(-ret));
		goto out;
	}
	snprintf(path, sizeof(path), "%s.vol", name);
	if (!m->top) {
		if (fstatat(f->dir, path, &st, 0))
			problem(f, "volume %s: %s: %s", name, path, strerror(errno));
		else if ((uint64_t)st.st_size != m->size)
			leftover(f, "volume %s: %s is %lld bytes, the volume %llu (a resize cut short)",
				 name, path, (long long)st.st_size, (unsigned long long)m->size);
		goto out;
	}
	if (!fstatat(f->dir, path, &st, 0))
		leftover(f, "volume %s: %s (its data moved to layers/ at its first snapshot)",
			 name, path);
	top = named(f, name, "top", m->top, m->block_size);
	if (top && top->has_data && top->data_size != m->size)
		leftover(f, "volume %s: top layer %016" PRIx64 " is %llu bytes, the volume %llu "
			 "(a resize cut short)", name, m->top,
			 (unsigned long long)top->data_size, (unsigned long long)m->size);
	if (top && !top->parent)
		problem(f, "volume %s: its top layer %016" PRIx64 " has no parent", name, m->top);
	for (unsigned int i = 0; i < m->nsnaps; i++) {
		char what[CBS_PROTO_NAME_LEN + 16];

		snprintf(what, sizeof(what), "snapshot %s", m->snaps[i].name);
		l = named(f, name, what, m->snaps[i].layer, m->block_size);
		if (l && l->has_data && l->data_size != m->snaps[i].size)
			problem(f, "volume %s: %s: layer %016" PRIx64 " is %llu bytes, the snapshot %llu",
				name, what, l->id, (unsigned long long)l->data_size,
				(unsigned long long)m->snaps[i].size);
	}
	/* A clone's origin is in its chain (a cycle is reported with the layers). */
	for (l = top, steps = 0; m->origin_layer && l && l->meta_ok && steps <= f->nlayers;
	     steps++) {
		if (l->id == m->origin_layer) {
			origin_found = true;
			break;
		}
		l = l->parent ? layer_find(f, l->parent) : NULL;
	}
	if (m->origin_layer && !origin_found)
		problem(f, "volume %s: its origin %s (layer %016" PRIx64 ") is not under it",
			name, m->origin, m->origin_layer);
out:
	explicit_bzero(m, sizeof(*m));
	free(m);
}

/* The volumes: every NAME.meta; data files without one are leftovers. */
static int scan_volumes(struct fsck *f)
{
	char name[CBS_PROTO_NAME_LEN], meta[CBS_PROTO_NAME_LEN + 8];
	struct dirent *e;
	size_t len;
	int fd;
	DIR *d;

	fd = dup(f->dir);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return -errno;
	/* A dup shares the offset of the fd: from the start. */
	rewinddir(d);
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' && has_suffix(e->d_name, ".tmp")) {
			leftover(f, "%s: an interrupted metadata update", e->d_name);
			continue;
		}
		if (has_suffix(e->d_name, ".vol") && len - 4 < sizeof(name)) {
			snprintf(meta, sizeof(meta), "%.*s.meta", (int)(len - 4), e->d_name);
			if (faccessat(f->dir, meta, F_OK, 0) && errno == ENOENT)
				leftover(f, "%s: no metadata (a create or delete cut short)",
					 e->d_name);
			continue;
		}
		if (!has_suffix(e->d_name, ".meta") || len - 5 >= sizeof(name))
			continue;
		memcpy(name, e->d_name, len - 5);
		name[len - 5] = '\0';
		if (!cbs_proto_name_ok(name)) {
			problem(f, "%s: not a volume name", e->d_name);
			continue;
		}
		check_volume(f, name);
	}
	closedir(d);
	return 0;
}

/* Each layer: its files, its parent, no cycle; used, or a leftover. */
static void check_layers(struct fsck *f)
{
	struct fsck_layer *l, *p;
	size_t i, steps;

	for (i = 0; i < f->nlayers; i++) {
		l = &f->layers[i];
		if (l->meta_ok && l->parent) {
			p = layer_find(f, l->parent);
			if (p)
				p->children++;
		}
	}
	/* Live: named, or a parent of a live layer. */
	for (i = 0; i < f->nlayers; i++) {
		if (!f->layers[i].names)
			continue;
		for (l = &f->layers[i], steps = 0; l && !l->live && steps <= f->nlayers; steps++) {
			l->live = true;
			p = l->meta_ok && l->parent ? layer_find(f, l->parent) : NULL;
			if (l->meta_ok && l->parent && (!p || !p->meta_ok))
				problem(f, "layer %016" PRIx64 " (under %s): its parent %016" PRIx64
					" does not exist", l->id, f->layers[i].owner, l->parent);
			l = p;
		}
	}
	for (i = 0; i < f->nlayers; i++) {
		l = &f->layers[i];
		if (!l->live) {
			leftover(f, "layer %016" PRIx64 ": no volume uses it", l->id);
			continue;
		}
		if (!l->meta_ok) {
			problem(f, "layer %016" PRIx64 ": no readable .layer file", l->id);
			continue;
		}
		if (!l->has_data)
			problem(f, "layer %016" PRIx64 ": its data file is missing", l->id);
		if (l->parent && !l->has_map)
			problem(f, "layer %016" PRIx64 ": its bitmap file is missing", l->id);
		if (!l->parent && l->has_map)
			leftover(f, "layer %016" PRIx64 ": a bitmap file in a bottom layer "
				 "(a merge into it cut short)", l->id);
		if (l->parent && l->has_map && l->has_data && l->block_size &&
		    l->map_size != store_map_bytes(l->data_size / l->block_size))
			problem(f, "layer %016" PRIx64 ": bitmap of %llu bytes for %llu bytes of "
				"data (want %zu)", l->id, (unsigned long long)l->map_size,
				(unsigned long long)l->data_size,
				store_map_bytes(l->data_size / l->block_size));
		if (l->has_data && l->block_size && l->data_size % l->block_size)
			problem(f, "layer %016" PRIx64 ": data file not a multiple of the block size",
				l->id);
		/* A chain longer than the number of layers loops. */
		for (p = l, steps = 0; p && p->meta_ok && p->parent && steps <= f->nlayers; steps++)
			p = layer_find(f, p->parent);
		if (steps > f->nlayers)
			problem(f, "layer %016" PRIx64 ": its chain of parents loops", l->id);
		if (!l->names && !l->children)
			problem(f, "layer %016" PRIx64 ": live but used by nothing", l->id);
	}
}

int fsck_run(const char *dir, FILE *out)
{
	struct fsck f = { .out = out, .dir = -1, .layers_dir = -1 };
	unsigned int live = 0;
	int ret;

	f.dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.dir < 0) {
		fprintf(out, "problem: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	f.layers_dir = openat(f.dir, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.layers_dir < 0 && errno != ENOENT) {
		problem(&f, "%s/layers: %s", dir, strerror(errno));
	} else if (f.layers_dir >= 0) {
		ret = scan_layers(&f);
		if (ret)
			problem(&f, "%s/layers: %s", dir, strerror(-ret));
	}
	ret = scan_volumes(&f);
	if (ret)
		problem(&f, "%s: %s", dir, strerror(-ret));
	check_layers(&f);
	for (size_t i = 0; i < f.nlayers; i++)
		live += f.layers[i].live;
	fprintf(out, "%s: %u volumes, %u layers, %u problems, %u leftovers\n", dir, f.volumes,
	       live, f.problems, f.leftovers);
	free(f.layers);
	if (f.layers_dir >= 0)
		close(f.layers_dir);
	close(f.dir);
	return f.problems ? 1 : 0;
}

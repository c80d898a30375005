// SPDX-License-Identifier: GPL-2.0
/*
 * Plane failover: the controller marks the path to a remote host on a plane
 * down (or up again), and encapsulation to that host moves to the next
 * plane, with this host's underlay IP and that host's IP on that plane.
 */
#include <linux/slab.h>

#include "map.h"
#include "path.h"

int vpc_path_plane(struct vpc_pernet *pn, const struct vpc_map *map)
{
	const struct vpc_path *path = NULL;
	unsigned long down = 0;
	int plane, ret = -EADDRNOTAVAIL;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "path lookup needs RCU");
	/* Most of the time no path is down: skip the lookup. */
	if (READ_ONCE(pn->n_paths))
		path = xa_load(&pn->paths, ntohl(map->host[0]));
	if (path)
		down = READ_ONCE(path->down);
	for (plane = 0; plane < VPC_PLANES; plane++) {
		if (!map->host[plane] || !READ_ONCE(pn->underlay[plane]))
			continue;
		if (!test_bit(plane, &down))
			return plane;
		ret = -ENETUNREACH;
	}
	return ret;
}

int vpc_path_set(struct vpc_pernet *pn, __be32 host, unsigned int plane,
		 bool down)
{
	unsigned long index = ntohl(host);
	struct vpc_path *path;
	int ret;

	lockdep_assert_held(&pn->lock);
	path = xa_load(&pn->paths, index);
	if (!path) {
		if (!down)
			return 0;
		path = kzalloc(sizeof(*path), GFP_KERNEL);
		if (!path)
			return -ENOMEM;
		path->host = host;
		path->down = BIT(plane);
		ret = xa_insert(&pn->paths, index, path, GFP_KERNEL);
		if (ret) {
			kfree(path);
			return ret;
		}
		WRITE_ONCE(pn->n_paths, pn->n_paths + 1);
		vpc_pernet_changed(pn);
		return 0;
	}
	/* Readers see the old or the new word, never a mix. */
	WRITE_ONCE(path->down, down ? path->down | BIT(plane) :
				      path->down & ~BIT(plane));
	if (!path->down) {
		xa_erase(&pn->paths, index);
		WRITE_ONCE(pn->n_paths, pn->n_paths - 1);
		kfree_rcu(path, rcu);
	}
	vpc_pernet_changed(pn);
	return 0;
}

void vpc_path_flush(struct vpc_pernet *pn)
{
	struct vpc_path *path;
	unsigned long index;

	lockdep_assert_held(&pn->lock);
	xa_for_each(&pn->paths, index, path) {
		xa_erase(&pn->paths, index);
		kfree_rcu(path, rcu);
	}
	WRITE_ONCE(pn->n_paths, 0);
}

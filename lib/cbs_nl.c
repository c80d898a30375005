// SPDX-License-Identifier: GPL-2.0
/* cbs.ko's netlink attributes: see cbs_nl.h. */
#include "lib/cbs_nl.h"

void cbs_nl_put_sockets(struct nlmsghdr *nlh, const int *fds, unsigned int n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, CBS_A_SOCKETS);

	for (unsigned int i = 0; i < n; i++)
		mnl_attr_put_u32(nlh, CBS_A_SOCKET_FD, (uint32_t)fds[i]);
	mnl_attr_nest_end(nlh, nest);
}

uint64_t cbs_nl_stat(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			return mnl_attr_get_u64(a);
	return 0;
}

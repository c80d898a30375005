# SPDX-License-Identifier: GPL-2.0
# libnimbus.a: everything two or more programs share.  Every program links
# it after its own objects and takes only the members it uses, so a program
# without netlink needs no libmnl.
#
#   genl       generic netlink client (libmnl)        vpc, cbs, nimbus-agent, nl_send
#   cli        matches, tables, options, invarg ...   vpc, cbs, nimbusctl
#   parse      numbers, sizes, names                  vpc, cbs
#   output     one call per field, text or JSON       vpc, cbs
#   addr       IPv4/IPv6 addresses, prefixes, MACs    vpc, nimbus-controller, nimbusctl, nimbus-agent
#   cbs_proto  cbs wire frames, pure (fuzzed)         cbs-server, cbs, nimbus-controller
#   cbs_client the cbs handshake, admin requests      cbs, nimbus-controller, nimbus-agent
#   sock       ADDR:PORT sockets, send/recv_all       cbs-server, cbs, nimbus-controller, nimbus-agent
#   token      token files, constant-time compare     cbs-server, cbs, nimbus-controller, nimbusctl, nimbus-agent
#   log        the daemons' log lines                 cbs-server, nimbus-controller, nimbus-agent
#   jsonx      strict JSON objects (jansson)          nimbus-controller
#   util       random ids, arrays, byte buffers       cbs, nimbus-controller, nimbusctl, nimbus-agent (and token's users)
#   hmap       string-keyed hash map                  nimbus-controller, nimbus-agent
#   vpc_nl     vpc.ko's address nests, counter names  vpc, nimbus-agent
#   cbs_nl     cbs.ko's socket nest, counters         cbs, nimbus-agent

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
LIBNIMBUS := $(B)/lib/libnimbus.a

$(LIBNIMBUS): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

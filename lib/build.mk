# SPDX-License-Identifier: GPL-2.0
# libnimbus.a: everything two or more programs share.
# Every program links it after its own objects and takes only the members
# it uses, so a program that needs no netlink needs no libmnl.

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
LIBNIMBUS := $(B)/lib/libnimbus.a

$(LIBNIMBUS): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

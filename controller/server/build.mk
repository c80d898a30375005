# SPDX-License-Identifier: GPL-2.0
# nimbus-controller; included by the top-level Makefile after `all:`.

CONTROLLER_SRCS := $(wildcard controller/server/*.c)
CONTROLLER_OBJS := $(CONTROLLER_SRCS:%.c=$(OBJ)/%.o) $(CONTROLLER_COMMON_OBJS)
CONTROLLER_LIBS := $(shell pkg-config --libs libmicrohttpd jansson sqlite3 gnutls) -pthread

PROGS += $(BIN)/nimbus-controller
userspace: $(BIN)/nimbus-controller

$(CONTROLLER_SRCS:%.c=$(OBJ)/%.o): $(wildcard controller/server/*.h controller/common/*.h) \
	kmod/include/uapi/linux/cbs_proto.h

$(BIN)/nimbus-controller: $(CONTROLLER_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CONTROLLER_LIBS)

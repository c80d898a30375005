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

# The store on its own, run by tests/host/controller.sh.
CONTROLLER_STORE_TEST := $(B)/host/controller_store_test
userspace: $(CONTROLLER_STORE_TEST)

$(OBJ)/tests/host/controller_store_test.o: controller/server/store.h

$(CONTROLLER_STORE_TEST): $(OBJ)/tests/host/controller_store_test.o \
	$(OBJ)/controller/server/store.o $(OBJ)/controller/server/store_sqlite.o \
	$(OBJ)/controller/common/util.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs sqlite3) -pthread

# SPDX-License-Identifier: GPL-2.0
# cbs-server, the block store's storage node; included by the top-level
# Makefile.  Its tests are in tests/build.mk.

CBS_SERVER_SRCS := $(wildcard storage/*.c)
CBS_SERVER_OBJS := $(CBS_SERVER_SRCS:%.c=$(OBJ)/%.o)

PROGS += $(BIN)/cbs-server

$(BIN)/cbs-server: $(CBS_SERVER_OBJS) $(LIBNIMBUS)
	$(call link,-pthread)

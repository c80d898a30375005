# SPDX-License-Identifier: GPL-2.0
# cbs, the command of cbs.ko and of cbs-server's admin sessions; included
# by the top-level Makefile.

CBS_SRCS := $(wildcard agent/cbs/*.c)
CBS_OBJS := $(CBS_SRCS:%.c=$(OBJ)/%.o)

PROGS += $(BIN)/cbs

$(BIN)/cbs: $(CBS_OBJS) $(LIBNIMBUS)
	$(call link,$(LDLIBS_NL) $(LDLIBS_JSON))

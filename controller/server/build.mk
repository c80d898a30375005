# SPDX-License-Identifier: GPL-2.0
# nimbus-controller; included by the top-level Makefile.

CONTROLLER_SRCS := $(wildcard controller/server/*.c)
CONTROLLER_OBJS := $(CONTROLLER_SRCS:%.c=$(OBJ)/%.o)
CONTROLLER_LIBS := $(shell pkg-config --libs libmicrohttpd jansson sqlite3 gnutls) -pthread

PROGS += $(BIN)/nimbus-controller

$(BIN)/nimbus-controller: $(CONTROLLER_OBJS) $(LIBNIMBUS)
	$(call link,$(CONTROLLER_LIBS))

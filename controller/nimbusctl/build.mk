# SPDX-License-Identifier: GPL-2.0
# nimbusctl, the command of the controller's REST API; included by the
# top-level Makefile.

NIMBUSCTL_SRCS := $(wildcard controller/nimbusctl/*.c)
NIMBUSCTL_OBJS := $(NIMBUSCTL_SRCS:%.c=$(OBJ)/%.o)
NIMBUSCTL_LIBS := $(shell pkg-config --libs libcurl jansson)

PROGS += $(BIN)/nimbusctl

$(BIN)/nimbusctl: $(NIMBUSCTL_OBJS) $(LIBNIMBUS)
	$(call link,$(NIMBUSCTL_LIBS))

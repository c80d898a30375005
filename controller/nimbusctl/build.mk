# SPDX-License-Identifier: GPL-2.0
# nimbusctl; included by the top-level Makefile after `all:`.

NIMBUSCTL_SRCS := $(wildcard controller/nimbusctl/*.c)
NIMBUSCTL_LIBS := $(shell pkg-config --libs libcurl jansson)

PROGS += $(BIN)/nimbusctl
userspace: $(BIN)/nimbusctl

$(NIMBUSCTL_SRCS:%.c=$(OBJ)/%.o): $(wildcard controller/nimbusctl/*.h controller/common/*.h)

# matches() and invarg() from the ip-style commands' library (no netlink in it).
$(BIN)/nimbusctl: $(NIMBUSCTL_SRCS:%.c=$(OBJ)/%.o) $(CONTROLLER_COMMON_OBJS) $(OBJ)/agent/lib/cli.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(NIMBUSCTL_LIBS)

# SPDX-License-Identifier: GPL-2.0
# Nimbus: kernel modules (through kbuild, see Kbuild) and userspace.

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ikmod/include/uapi
LDLIBS_NL := -lmnl
LDLIBS_JSON := -ljansson

B := build
BIN := $(B)/bin
OBJ := $(B)/obj

LIB_SRCS := agent/lib/genl.c agent/lib/parse.c agent/lib/output.c agent/lib/cli.c
VPC_SRCS := $(wildcard agent/vpc/*.c)
HELPER_SRCS := $(wildcard tests/kselftest/helpers/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
PROGS := $(BIN)/vpc
HELPERS := $(HELPER_SRCS:tests/kselftest/helpers/%.c=$(BIN)/%)
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)

.PHONY: all modules test-modules userspace check demo install clean setup

# The first rule, so that plain `make` builds the modules too.
all: modules userspace

# After `all:`: a fragment's rules must not become the default goal.
include storage/build.mk
include controller/common/build.mk controller/server/build.mk controller/nimbusctl/build.mk

modules:
	@test -d "$(KDIR)" || { echo "no kernel build tree at $(KDIR) (run scripts/setup)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Only the harness's own tests load this module; it is never installed.
test-modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kselftest/harness modules

userspace: $(PROGS) $(HELPERS) $(UNITS)

$(OBJ)/%.o: %.c $(wildcard agent/lib/*.h agent/vpc/*.h kmod/include/uapi/linux/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BIN)/vpc: $(VPC_SRCS:%.c=$(OBJ)/%.o) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_NL) $(LDLIBS_JSON)

$(BIN)/%: $(OBJ)/tests/kselftest/helpers/%.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_NL) $(LDLIBS_JSON)

# The vpc command's address parsers are tested on their own.
$(B)/unit/test_vpc_addr: $(OBJ)/agent/vpc/addr.o

$(B)/unit/%: $(OBJ)/tests/unit/%.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS_NL) $(LDLIBS_JSON)

check:
	scripts/check

demo:
	scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 Documentation/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= modules_install
	# A staged install (DESTDIR) leaves depmod to the package's postinst.
	$(if $(DESTDIR),,depmod -a $(KVER))

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kselftest/harness clean
	rm -rf $(B)

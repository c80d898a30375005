# SPDX-License-Identifier: GPL-2.0
# Nimbus: kernel modules (through kbuild, see Kbuild) and userspace.
#
# Userspace: lib/ is libnimbus.a, the code two or more programs share, and
# every program links it; each program's folder has a build.mk with its own
# rules, tests/build.mk builds the tests.  Every include names its path from
# the top of the tree ("lib/genl.h", "agent/vpc/vpc.h"): -I. below.

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
AR ?= ar
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. -Ikmod/include/uapi -MMD -MP
LDLIBS_NL := -lmnl
# libnl-route-3: agent/qos makes the HTB trees through it.
LDLIBS_NLROUTE := $(shell pkg-config --libs libnl-route-3.0)
LDLIBS_JSON := -ljansson

B := build
BIN := $(B)/bin
OBJ := $(B)/obj

# The installed programs; each program's build.mk adds its own.
PROGS :=

.PHONY: all modules test-modules userspace check demo install clean setup

# The first rule, so that plain `make` builds the modules too.
all: modules userspace

# After `all:`: a fragment's rules must not become the default goal.
include lib/build.mk
include agent/qos/build.mk
include agent/vpc/build.mk agent/cbs/build.mk agent/nimbus-agent/build.mk
include storage/build.mk
include controller/server/build.mk controller/nimbusctl/build.mk
include tests/build.mk

userspace: $(PROGS) $(TEST_PROGS)

modules:
	@test -d "$(KDIR)" || { echo "no kernel build tree at $(KDIR) (run scripts/setup)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Only the harness's own tests load this module; it is never installed.
test-modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kselftest/harness modules

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# $(call link,LIBS): link $@ from its prerequisites, objects first and
# libnimbus.a after them (the linker takes from an archive only what the
# objects before it need), then LIBS.
define link
@mkdir -p $(dir $@)
$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(1)
endef

# Header dependencies, written by the compiler (-MMD) beside each object.
-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

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

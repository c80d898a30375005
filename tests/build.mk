# SPDX-License-Identifier: GPL-2.0
# The tests' programs; included by the top-level Makefile.  Each links
# libnimbus.a, and a test of a program's own code links that code too.

# Helpers the kselftests run in the VM: build/bin/nl_send, tcp_xfer.
HELPER_SRCS := $(wildcard tests/kselftest/helpers/*.c)
HELPERS := $(HELPER_SRCS:tests/kselftest/helpers/%.c=$(BIN)/%)

$(BIN)/%: $(OBJ)/tests/kselftest/helpers/%.o $(LIBNIMBUS)
	$(call link,$(LDLIBS_NL) $(LDLIBS_JSON))

# Unit tests (cmocka), run on the host: build/unit/test_*.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)

# nimbus-agent's model, documents and diff: its pure part.
$(B)/unit/test_agent_diff: $(AGENT_CORE_OBJS)

# cbs-server's attempt table (pure data, tested beside the frame checks).
$(B)/unit/test_cbs_proto: $(OBJ)/storage/attempt.o

# cbs-server's dirty-region maps.
$(B)/unit/test_dirty: $(OBJ)/storage/dirty.o

# cbs-server's store against a model: all of the server but its main().
$(B)/unit/test_store: $(filter-out $(OBJ)/storage/cbs-server.o,$(CBS_SERVER_OBJS))

$(B)/unit/%: $(OBJ)/tests/unit/%.o $(LIBNIMBUS)
	$(call link,-lcmocka $(LDLIBS_NL) $(LDLIBS_JSON))

# The controller's store on its own, run by tests/host/controller.sh.
CONTROLLER_STORE_TEST := $(B)/host/controller_store_test

$(CONTROLLER_STORE_TEST): $(OBJ)/tests/host/controller_store_test.o \
	$(OBJ)/controller/server/store.o $(OBJ)/controller/server/store_sqlite.o $(LIBNIMBUS)
	$(call link,$(shell pkg-config --libs sqlite3) -pthread)

TEST_PROGS := $(HELPERS) $(UNITS) $(CONTROLLER_STORE_TEST)

# Made by pattern rules only, so make would delete these objects after a
# build as intermediate files, and the next make would build them again.
.SECONDARY: $(HELPER_SRCS:%.c=$(OBJ)/%.o) $(UNIT_SRCS:%.c=$(OBJ)/%.o)

# libFuzzer target for the cbs frame checks (lib/cbs_proto.c); needs clang.
# Built from the sources, not libnimbus.a: everything under the fuzzer's
# instrumentation, and nothing but the pure frame checks.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
	-Wall -Wextra -Werror -I. -Ikmod/include/uapi
FUZZ_SECONDS ?= 20

$(B)/fuzz/fuzz_cbs_proto: tests/fuzz/fuzz_cbs_proto.c lib/cbs_proto.c lib/cbs_proto.h \
	kmod/include/uapi/linux/cbs_proto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_cbs_proto.c lib/cbs_proto.c

# New inputs go to a scratch corpus; the seeds in tests/fuzz/corpus stay as they are.
FUZZ_RUN = @mkdir -p $(B)/fuzz/corpus/cbs_proto && \
	$(B)/fuzz/fuzz_cbs_proto -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		$(B)/fuzz/corpus/cbs_proto tests/fuzz/corpus/cbs_proto

.PHONY: check-storage fuzz-cbs
fuzz-cbs: $(B)/fuzz/fuzz_cbs_proto
	$(FUZZ_RUN)

# The storage side's host tests: unit, cbs-server over TCP, a short fuzz run.
check-storage: FUZZ_SECONDS = 10
check-storage: $(BIN)/cbs-server $(BIN)/cbs $(B)/unit/test_cbs_proto $(B)/unit/test_store \
	$(B)/unit/test_dirty \
	$(B)/fuzz/fuzz_cbs_proto
	CMOCKA_MESSAGE_OUTPUT=TAP $(B)/unit/test_cbs_proto
	CMOCKA_MESSAGE_OUTPUT=TAP $(B)/unit/test_store
	CMOCKA_MESSAGE_OUTPUT=TAP $(B)/unit/test_dirty
	BIN=$(BIN) tests/host/cbs_server.sh
	BIN=$(BIN) tests/host/cbs_replica.sh
	BIN=$(BIN) tests/host/cbs_cli_replica.sh
	$(FUZZ_RUN)

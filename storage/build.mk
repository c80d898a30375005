# SPDX-License-Identifier: GPL-2.0
# cbs-server, the cbs command and their tests; included by the top-level Makefile.

CBS_SERVER_SRCS := $(wildcard storage/*.c)
CBS_SRCS := $(wildcard agent/cbs/*.c)
# The protocol, token and socket code the cbs command shares with the server.
CBS_SHARED_OBJS := $(OBJ)/storage/proto.o $(OBJ)/storage/token.o $(OBJ)/storage/net.o
CBS_HDRS := $(wildcard storage/*.h agent/cbs/*.h)

PROGS += $(BIN)/cbs-server $(BIN)/cbs
UNITS += $(filter-out $(UNITS),$(B)/unit/test_cbs_proto)

# So the programs are built wherever this file is included.
userspace: $(BIN)/cbs-server $(BIN)/cbs $(B)/unit/test_cbs_proto

$(CBS_SERVER_SRCS:%.c=$(OBJ)/%.o) $(CBS_SRCS:%.c=$(OBJ)/%.o) $(OBJ)/tests/unit/test_cbs_proto.o: $(CBS_HDRS)

$(BIN)/cbs-server: $(CBS_SERVER_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -pthread

$(BIN)/cbs: $(CBS_SRCS:%.c=$(OBJ)/%.o) $(CBS_SHARED_OBJS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_NL) $(LDLIBS_JSON)

# The attempt table is pure data: tested beside the frame checks.
$(B)/unit/test_cbs_proto: $(OBJ)/storage/proto.o $(OBJ)/storage/attempt.o

# libFuzzer target for the frame checks; needs clang.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
	-Wall -Wextra -Werror -Ikmod/include/uapi
FUZZ_SECONDS ?= 20

$(B)/fuzz/fuzz_cbs_proto: tests/fuzz/fuzz_cbs_proto.c storage/proto.c storage/proto.h kmod/include/uapi/linux/cbs_proto.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_cbs_proto.c storage/proto.c

# New inputs go to a scratch corpus; the seeds in tests/fuzz/corpus stay as they are.
FUZZ_RUN = @mkdir -p $(B)/fuzz/corpus/cbs_proto && \
	$(B)/fuzz/fuzz_cbs_proto -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		$(B)/fuzz/corpus/cbs_proto tests/fuzz/corpus/cbs_proto

.PHONY: check-storage fuzz-cbs
fuzz-cbs: $(B)/fuzz/fuzz_cbs_proto
	$(FUZZ_RUN)

# The storage side's host tests: unit, cbs-server over TCP, a short fuzz run.
check-storage: FUZZ_SECONDS = 10
check-storage: $(BIN)/cbs-server $(BIN)/cbs $(B)/unit/test_cbs_proto $(B)/fuzz/fuzz_cbs_proto
	CMOCKA_MESSAGE_OUTPUT=TAP $(B)/unit/test_cbs_proto
	BIN=$(BIN) tests/host/cbs_server.sh
	$(FUZZ_RUN)

# SPDX-License-Identifier: GPL-2.0
# vpc, the command of vpc.ko; included by the top-level Makefile.

VPC_SRCS := $(wildcard agent/vpc/*.c)
VPC_OBJS := $(VPC_SRCS:%.c=$(OBJ)/%.o)

PROGS += $(BIN)/vpc

$(BIN)/vpc: $(VPC_OBJS) $(QOS_OBJS) $(LIBNIMBUS)
	$(call link,$(LDLIBS_NL) $(LDLIBS_NLROUTE) $(LDLIBS_JSON))

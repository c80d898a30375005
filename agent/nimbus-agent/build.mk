# SPDX-License-Identifier: GPL-2.0
# nimbus-agent, the per-host daemon that makes the kernel (vpc.ko, cbs.ko)
# match the controller's desired state; included by the top-level Makefile.
# The pure part (the model, the documents, the diff) is AGENT_CORE_OBJS,
# which the unit tests link too.

AGENT_SRCS := $(wildcard agent/nimbus-agent/*.c)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(OBJ)/%.o)
AGENT_CORE_OBJS := $(addprefix $(OBJ)/agent/nimbus-agent/,model.o parse.o diff.o)
AGENT_LIBS := $(LDLIBS_NL) $(LDLIBS_NLROUTE) $(shell pkg-config --libs libcurl jansson libmicrohttpd)

PROGS += $(BIN)/nimbus-agent

# agent/qos (QOS_OBJS, LDLIBS_NLROUTE: agent/qos/build.mk): ports' QoS.
$(BIN)/nimbus-agent: $(AGENT_OBJS) $(QOS_OBJS) $(LIBNIMBUS)
	$(call link,$(AGENT_LIBS))

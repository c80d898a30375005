# SPDX-License-Identifier: GPL-2.0
# agent/qos, vpc.ko's QoS (the HTB trees through libnl-route-3), linked by
# vpc and nimbus-agent; included by the top-level Makefile before them.
# units.o alone (tc's units) needs no libnl; the programs link qos.o with
# $(LDLIBS_NLROUTE).

QOS_OBJS := $(OBJ)/agent/qos/qos.o $(OBJ)/agent/qos/units.o

$(OBJ)/agent/qos/qos.o: CFLAGS += $(shell pkg-config --cflags libnl-route-3.0)

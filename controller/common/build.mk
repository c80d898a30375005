# SPDX-License-Identifier: GPL-2.0
# What nimbus-controller and nimbusctl share; included before their fragments.

CONTROLLER_COMMON_SRCS := $(wildcard controller/common/*.c)
CONTROLLER_COMMON_OBJS := $(CONTROLLER_COMMON_SRCS:%.c=$(OBJ)/%.o)

$(CONTROLLER_COMMON_OBJS): $(wildcard controller/common/*.h)

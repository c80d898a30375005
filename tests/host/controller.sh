#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nimbus-controller and nimbusctl on the host, no VM: the real daemon on
# 127.0.0.1 with a temporary database, a real cbs-server for volumes.  The
# cases are in tests/host/controller_test.py, which checks every answer
# against Documentation/api/openapi.yaml.  KTAP output; exits non-zero if
# any case fails, 4 if a tool is missing.
#
#   BIN=build/bin tests/host/controller.sh      (CBS_BIN: where cbs-server is, default BIN)
cd "$(dirname "$0")/../.." || exit 1

BIN=${BIN:-build/bin}
CBS_BIN=${CBS_BIN:-$BIN}

for f in "$BIN/nimbus-controller" "$BIN/nimbusctl" "$BIN/../host/controller_store_test" \
	 "$CBS_BIN/cbs-server" "$CBS_BIN/cbs"; do
	[ -x "$f" ] || { echo "$f not built (make userspace)" >&2; exit 4; }
done
# Debian's python3 has python3-yaml and python3-jsonschema (scripts/setup);
# another python3 first in PATH may not.
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import yaml, jsonschema' 2>/dev/null; then
		exec "$py" tests/host/controller_test.py "$(realpath "$BIN")" "$(realpath "$CBS_BIN")"
	fi
done
echo "python3 with yaml and jsonschema is missing (scripts/setup installs them)" >&2
exit 4

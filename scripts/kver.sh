#!/bin/sh
# Print the Debian kernel version to build for and boot: $KVER if set, else the
# newest /lib/modules/VER that has a build tree and a /boot/vmlinuz-VER.
# Never `uname -r`: the build machine's own kernel has no module support.
if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi
for dir in /lib/modules/*/build; do
	[ -d "$dir" ] || continue
	ver=${dir#/lib/modules/}
	ver=${ver%/build}
	[ -f "/boot/vmlinuz-$ver" ] && echo "$ver"
done | sort -V | tail -n 1

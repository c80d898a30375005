#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print "kvm" if /dev/kvm runs a guest here, else "tcg".  Some machines have a
# /dev/kvm whose guests never run (nested virtualisation without support), so
# boot the kernel once under KVM with a few seconds' budget: it must reach its
# panic for the missing init.  The answer is cached per boot of this machine.
kernel=$1
cache=/run/nimbus-accel
case "${NIMBUS_ACCEL:-auto}" in
kvm|tcg) echo "$NIMBUS_ACCEL"; exit 0 ;;
esac
if [ -f "$cache" ]; then
	cat "$cache"
	exit 0
fi
answer=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	log=$(mktemp)
	timeout -k 2 8 qemu-system-x86_64 -accel kvm -cpu host -m 256 -kernel "$kernel" \
		-append "console=ttyS0 panic=-1 init=/nonexistent" -display none \
		-monitor none -no-reboot -nic none -serial "file:$log" </dev/null >/dev/null 2>&1
	grep -q 'Kernel panic' "$log" && answer=kvm
	rm -f "$log"
fi
echo "$answer" | tee "$cache" 2>/dev/null || echo "$answer"

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Craft and send the frames of vpc.ko's attack tests from one VM.

One process serves a whole suite, since starting python and scapy costs
seconds in the TCG VM: it reads one command a line on stdin and, once the
frames are out, prints "done NAME COUNT" (COUNT frames sent) on stdout.

    NAME KIND [KEY=VALUE ...]

KIND picks the frame, the KEY=VALUEs fill it in (mac, dmac, ip, dip, ip6,
dip6, n, tip, ttl, ...).  Every frame carries a payload or field by which
the test finds it again in a capture.  Frames go out of eth0 through one
raw socket, so thousands take a fraction of a second.
"""
import os
import random
import socket
import sys

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                                ICMPv6ND_RA, ICMPv6NDOptPrefixInfo,
                                ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr,
                                IPv6)
from scapy.utils6 import in6_getnsma, in6_getnsmac
from scapy.layers.l2 import ARP, Ether
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.packet import Raw

BCAST = "ff:ff:ff:ff:ff:ff"


def frames(kind, a):
    """The frames of one command, as scapy packets or raw bytes."""
    mac, n = a["mac"], int(a.get("n", 1))
    mark = Raw(load=a.get("mark", "vpc-attack").encode())
    if kind == "arp-reply":
        # ARP reply from a forged sender IP, to one victim.
        return [Ether(src=mac, dst=a["dmac"]) /
                ARP(op=2, hwsrc=mac, psrc=a["ip"], hwdst=a["dmac"], pdst=a["dip"])]
    if kind == "garp":
        # Gratuitous ARP (sender IP = target IP) to everyone, with HWSRC.
        hw = a.get("hwsrc", mac)
        return [Ether(src=mac, dst=BCAST) /
                ARP(op=int(a.get("op", 1)), hwsrc=hw, psrc=a["ip"], hwdst=BCAST, pdst=a["ip"])]
    if kind == "arp-req":
        return [Ether(src=mac, dst=BCAST) /
                ARP(op=1, hwsrc=mac, psrc=a["ip"], pdst=a["dip"])] * n
    if kind == "ip4":
        return [Ether(src=mac, dst=a["dmac"]) /
                IP(src=a["ip"], dst=a["dip"], ttl=int(a.get("ttl", 64))) /
                UDP(sport=int(a.get("sport", 40000)), dport=int(a.get("dport", 9))) / mark] * n
    if kind == "ip6":
        return [Ether(src=mac, dst=a["dmac"]) /
                IPv6(src=a["ip6"], dst=a["dip6"], hlim=int(a.get("hlim", 64))) /
                UDP(sport=40000, dport=9) / mark] * n
    if kind == "ping6":
        return [Ether(src=mac, dst=a["dmac"]) /
                IPv6(src=a["ip6"], dst=a["dip6"]) / ICMPv6EchoRequest() / mark] * n
    if kind == "ping4":
        return [Ether(src=mac, dst=a["dmac"]) /
                IP(src=a["ip"], dst=a["dip"]) / ICMP() / mark] * n
    if kind == "ra":
        # A rogue router advertisement to all nodes.
        return [Ether(src=mac, dst="33:33:00:00:00:01") /
                IPv6(src=a["ip6"], dst="ff02::1", hlim=255) /
                ICMPv6ND_RA(routerlifetime=1800) /
                ICMPv6NDOptSrcLLAddr(lladdr=mac) /
                ICMPv6NDOptPrefixInfo(prefix="2001:db8:bad::", prefixlen=64)]
    if kind == "na":
        # An unsolicited neighbour advertisement for TARGET to all nodes.
        return [Ether(src=mac, dst="33:33:00:00:00:01") /
                IPv6(src=a["ip6"], dst="ff02::1", hlim=255) /
                ICMPv6ND_NA(tgt=a["tgt"], R=0, S=0, O=1) /
                ICMPv6NDOptDstLLAddr(lladdr=a.get("lladdr", mac))]
    if kind == "ns":
        # A neighbour solicitation for TGT to its solicited-node group.
        nsma = in6_getnsma(socket.inet_pton(socket.AF_INET6, a["tgt"]))
        return [Ether(src=mac, dst=in6_getnsmac(nsma)) /
                IPv6(src=a["ip6"], dst=socket.inet_ntop(socket.AF_INET6, nsma), hlim=255) /
                ICMPv6ND_NS(tgt=a["tgt"]) / ICMPv6NDOptSrcLLAddr(lladdr=mac)] * n
    if kind == "dhcp-offer":
        # A rogue DHCP server's offer, broadcast.
        return [Ether(src=mac, dst=BCAST) /
                IP(src=a["ip"], dst="255.255.255.255") /
                UDP(sport=67, dport=68) /
                BOOTP(op=2, yiaddr="10.0.0.99", siaddr=a["ip"], chaddr=b"\x02" * 6) /
                DHCP(options=[("message-type", "offer"), ("server_id", a["ip"]), "end"])]
    if kind == "macflood":
        # N frames from random unicast source MACs, as raw bytes.
        base = bytes(Ether(src=mac, dst=a["dmac"]) /
                     IP(src=a["ip"], dst=a["dip"]) / UDP(sport=40000, dport=9) / mark)
        out = []
        for _ in range(n):
            src = bytes([random.randrange(256) & 0xfe | 0x02]) + os.urandom(5)
            out.append(base[:6] + src + base[12:])
        return out
    raise ValueError("unknown kind " + kind)


def main():
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((os.environ.get("VPC_FRAMES_DEV", "eth0"), 0))
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        name, kind = words[0], words[1]
        args = dict(w.split("=", 1) for w in words[2:])
        try:
            out = frames(kind, args)
            # Build each distinct frame once: scapy is slow under TCG.
            raw = {}
            for f in out:
                b = f if isinstance(f, bytes) else raw.setdefault(id(f), bytes(f))
                sock.send(b)
            print("done %s %d" % (name, len(out)), flush=True)
        except (ValueError, KeyError, OSError) as e:
            print("error %s %s" % (name, e), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The DHCPv4 messages Debian's clients do not send on cue (RFC 2131 4.3).

From MAC (port address IP, gateway GW with GWMAC) out of eth0, each one's
answer, a line each:
    nak TYPE            REQUEST for another address (TYPE 6: a NAK)
    inform TYPE YIADDR LEASE   INFORM (TYPE 5: an ACK; no address, no lease)
    release none|TYPE   RELEASE (nothing is answered)
    decline none|TYPE   DECLINE (nor is this)
"""
import sys

from scapy.config import conf
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.sendrecv import srp1

conf.verb = 0
conf.checkIPaddr = False
MAC, IPADDR, OTHER, GW, GWMAC = sys.argv[1:6]
CHADDR = bytes.fromhex(MAC.replace(":", ""))


def ask(xid, msg, opts, ciaddr="0.0.0.0", dst="255.255.255.255", dmac="ff:ff:ff:ff:ff:ff"):
    src = ciaddr
    pkt = (Ether(src=MAC, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=68, dport=67) /
           BOOTP(chaddr=CHADDR, ciaddr=ciaddr, xid=xid, flags=0x8000) /
           DHCP(options=[("message-type", msg)] + opts + ["end"]))
    return srp1(pkt, iface="eth0", timeout=2)


def mtype(r):
    for o in r[DHCP].options:
        if isinstance(o, tuple) and o[0] == "message-type":
            return o[1]
    return 0


def has(r, name):
    return any(isinstance(o, tuple) and o[0] == name for o in r[DHCP].options)


r = ask(0x1001, "request", [("requested_addr", OTHER), ("server_id", GW)])
print("nak", mtype(r) if r else "none")
r = ask(0x1002, "inform", [], ciaddr=IPADDR, dst=GW, dmac=GWMAC)
print("inform", *((mtype(r), r[BOOTP].yiaddr, "lease" if has(r, "lease_time") else "nolease")
                  if r else ("none",)))
r = ask(0x1003, "release", [("server_id", GW)], ciaddr=IPADDR, dst=GW, dmac=GWMAC)
print("release", mtype(r) if r else "none")
r = ask(0x1004, "decline", [("requested_addr", IPADDR), ("server_id", GW)])
print("decline", mtype(r) if r else "none")

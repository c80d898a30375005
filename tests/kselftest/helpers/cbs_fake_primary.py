#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A tiny stand-in for the cbs-servers of a replica set (linux/cbs_proto.h,
protocol 3), for cbs.ko's and cbs map's not-primary handling: one volume in
memory, shared by every ADDR (as if replicated).  The last ADDR is the
primary of epoch 1; the others refuse a hello with CBS_ERR_NOT_PRIMARY
(EREMCHG) and name it.  The first WRITE ever received is answered
CBS_ERR_NOT_PRIMARY without being applied, as by a primary that has just
lost its role: the next ADDR (cyclically; with one ADDR the same) becomes
the primary of the next epoch.  Every other request is served normally.

  cbs_fake_primary.py SIZE LOG ADDR:PORT...

LOG gets one line per event: "hello I", "refused I" (hello to server I),
"not-primary I", "eof".
"""
import socket
import struct
import sys
import threading

VERSION = 3
HELLO_MAGIC, HELLO_REPLY_MAGIC = 0x4E424831, 0x4E425231
REQUEST_MAGIC, REPLY_MAGIC = 0x4E425131, 0x4E425031
OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_WRITE_ZEROES = 0, 1, 2, 3, 4
ERR_NOT_PRIMARY = 78
VOL_F_FLUSH, VOL_F_FUA = 1, 2
BLOCK = 4096

HELLO = struct.Struct("<IHHQ64s64sQQ")
HELLO_REPLY = struct.Struct("<IHHIIQQQ64s")
REQUEST = struct.Struct("<IHHQQQII")
REPLY = struct.Struct("<IIQII")

lock = threading.Lock()
state = {"refused": False, "epoch": 1, "primary": 0}
addrs = []


def log(f, what):
    with lock:
        f.write(what + "\n")
        f.flush()


def recv_all(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def serve(conn, me, data, logf):
    try:
        magic, _, _, gen, _, _, _, _ = HELLO.unpack(recv_all(conn, HELLO.size))
        if magic != HELLO_MAGIC:
            return
        with lock:
            epoch, primary = state["epoch"], state["primary"]
        if me != primary:
            conn.sendall(HELLO_REPLY.pack(HELLO_REPLY_MAGIC, VERSION, 0, ERR_NOT_PRIMARY,
                                          0, 0, 0, epoch, addrs[primary].encode()))
            log(logf, "refused %d" % me)
            return
        conn.sendall(HELLO_REPLY.pack(HELLO_REPLY_MAGIC, VERSION, VOL_F_FLUSH | VOL_F_FUA,
                                      0, BLOCK, len(data), gen, epoch, addrs[me].encode()))
        log(logf, "hello %d" % me)
        while True:
            magic, op, _, handle, off, _, length, _ = REQUEST.unpack(recv_all(conn, REQUEST.size))
            if magic != REQUEST_MAGIC:
                return
            payload = recv_all(conn, length) if op == OP_WRITE else b""
            err, out = 0, b""
            with lock:
                if me != state["primary"]:
                    err = ERR_NOT_PRIMARY
                elif op == OP_WRITE and not state["refused"]:
                    state["refused"] = True
                    state["epoch"] += 1
                    state["primary"] = (me + 1) % len(addrs)
                    err = ERR_NOT_PRIMARY
                elif op == OP_WRITE:
                    data[off:off + length] = payload
                elif op in (OP_DISCARD, OP_WRITE_ZEROES):
                    data[off:off + length] = bytes(length)
                elif op == OP_READ:
                    out = bytes(data[off:off + length])
            if err:
                log(logf, "not-primary %d" % me)
            conn.sendall(REPLY.pack(REPLY_MAGIC, err, handle, len(out), 0) + out)
    except (EOFError, ConnectionError):
        log(logf, "eof")
    finally:
        conn.close()


def listen(me, data, logf):
    host, port = addrs[me].rsplit(":", 1)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, int(port)))
    lsock.listen(16)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve, args=(conn, me, data, logf), daemon=True).start()


def main():
    data = bytearray(int(sys.argv[1]))
    logf = open(sys.argv[2], "a")
    addrs.extend(sys.argv[3:])
    state["primary"] = len(addrs) - 1
    for me in range(len(addrs) - 1):
        threading.Thread(target=listen, args=(me, data, logf), daemon=True).start()
    listen(len(addrs) - 1, data, logf)


if __name__ == "__main__":
    main()

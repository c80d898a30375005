#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A tiny cbs-server stand-in (linux/cbs_proto.h, protocol 3) for cbs.ko's
not-primary handling: one volume in memory, every volume session accepted,
and the first WRITE ever received answered CBS_ERR_NOT_PRIMARY (EREMCHG)
without applying it, as a server that has just lost the primary role would.
Every later request is served normally, on any connection.

  cbs_fake_primary.py ADDR:PORT SIZE LOG

LOG gets one line per event: "hello", "not-primary", "eof".
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
state = {"refused": False}


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


def serve(conn, data, logf):
    try:
        magic, _, _, gen, _, _, _, _ = HELLO.unpack(recv_all(conn, HELLO.size))
        if magic != HELLO_MAGIC:
            return
        conn.sendall(HELLO_REPLY.pack(HELLO_REPLY_MAGIC, VERSION, VOL_F_FLUSH | VOL_F_FUA,
                                      0, BLOCK, len(data), gen, 1, b""))
        log(logf, "hello")
        while True:
            magic, op, _, handle, off, _, length, _ = REQUEST.unpack(recv_all(conn, REQUEST.size))
            if magic != REQUEST_MAGIC:
                return
            payload = recv_all(conn, length) if op == OP_WRITE else b""
            err, out = 0, b""
            with lock:
                if op == OP_WRITE and not state["refused"]:
                    state["refused"] = True
                    err = ERR_NOT_PRIMARY
                elif op == OP_WRITE:
                    data[off:off + length] = payload
                elif op in (OP_DISCARD, OP_WRITE_ZEROES):
                    data[off:off + length] = bytes(length)
                elif op == OP_READ:
                    out = bytes(data[off:off + length])
            if err:
                log(logf, "not-primary")
            conn.sendall(REPLY.pack(REPLY_MAGIC, err, handle, len(out), 0) + out)
    except (EOFError, ConnectionError):
        log(logf, "eof")
    finally:
        conn.close()


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    data = bytearray(int(sys.argv[2]))
    logf = open(sys.argv[3], "a")
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, int(port)))
    lsock.listen(16)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve, args=(conn, data, logf), daemon=True).start()


if __name__ == "__main__":
    main()

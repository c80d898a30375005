#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A test client for cbs-server's wire protocol (linux/cbs_proto.h).

Each subcommand checks one behaviour against a running server and exits 0
if the server behaved as expected, 1 (with a message) if not:

  cbs_client.py CASE HOST:PORT VOLUME TOKEN [GENERATION [SIZE...]]

SIZE (bytes) only for the cases about a resize: fill, intact, resized.
The snapshot cases (snap-*) also need the admin token: CBS_ADMIN_TOKEN.

Tools for the replica-set tests (tests/host/cbs_replica.sh) print what the
server answered ("ok", or the errno's name, with details) and exit 0 if it
is what the test expects (--expect ERRNO, default ok):

  cbs_client.py create ADDR ADMIN NAME SIZE TOKEN
  cbs_client.py config ADDR ADMIN NAME EPOCH SELF PRIMARY M1[,M2[,M3]] [PEER_TOKEN]
  cbs_client.py promote ADDR ADMIN NAME EPOCH [force] [PEER_TOKEN]
  cbs_client.py status ADDR ADMIN NAME
  cbs_client.py hello ADDR NAME TOKEN GEN
  cbs_client.py put ADDR NAME TOKEN GEN OFFSET SEED LEN [fua]
  cbs_client.py get ADDR NAME TOKEN GEN OFFSET SEED LEN
  cbs_client.py rput ADDR ADMIN NAME EPOCH GEN OFFSET SEED LEN  (a replica session's write)
  cbs_client.py set-replicas ADDR ADMIN NAME EPOCH M1[,M2[,M3]] [force]
  cbs_client.py digest ADDR ADMIN NAME TOKEN LEN  (sha256 of what the server holds)
  cbs_client.py snap ADDR ADMIN NAME SNAP
  cbs_client.py snaps ADDR ADMIN NAME
  cbs_client.py raw ADDR ADMIN OP HEX_PAYLOAD
"""
import errno
import hashlib
import os
import random
import socket
import struct
import sys
import time

VERSION = 3
HELLO_MAGIC, HELLO_REPLY_MAGIC = 0x4E424831, 0x4E425231
REQUEST_MAGIC, REPLY_MAGIC = 0x4E425131, 0x4E425031
OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_WRITE_ZEROES = 0, 1, 2, 3, 4
OP_CONFIG, OP_PROMOTE, OP_SET_REPLICAS, OP_STATUS = 20, 21, 22, 23
F_ADMIN, F_REPLICA = 1, 2
F_FORCE = 1
ERR_NOT_PRIMARY = 78  # EREMCHG
ROLES = {0: "primary", 1: "backup", 2: "stale"}
STATES = {0: "in-sync", 1: "catching-up", 2: "down"}
F_FUA = 1
OP_CREATE, OP_DELETE, OP_RESIZE, OP_LIST = 16, 17, 18, 19
OP_SNAP_CREATE, OP_SNAP_DELETE, OP_SNAP_LIST, OP_CLONE, OP_ROLLBACK = 24, 25, 26, 27, 28
SNAP_F_PROTECTED = 1
MAX_LEN = 32 << 20
SLOT_CAP = 4096  # slots the server tracks per session (storage/attempt.h)

HELLO = struct.Struct("<IHHQ64s64sQQ")
HELLO_REPLY = struct.Struct("<IHHIIQQQ64s")
REQUEST = struct.Struct("<IHHQQQII")
REPLY = struct.Struct("<IIQII")
ADMIN_VOLUME = struct.Struct("<64s64sQII")
ADMIN_SNAPSHOT = struct.Struct("<64s64s64s64sII")
LIST_HEADER = struct.Struct("<QQII")
LIST_ENTRY = struct.Struct("<64sQQQIIQII128s")
SNAP_LIST_HEADER = struct.Struct("<II")
SNAP_LIST_ENTRY = struct.Struct("<64sQQII")
CONFIG = struct.Struct("<64sQIIII64s64s64s64s")
STATUS = struct.Struct("<QIIII")
STATUS_ENTRY = struct.Struct("<64sQQII")


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def recv_all(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionResetError("connection closed by the server")
        buf += chunk
    return buf


def closed_by_server(sock, timeout=5):
    """True if the server closes the connection (EOF or reset) in time."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


class Session:
    def __init__(self, addr, name, token, generation, session=0, flags=0, epoch=0):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.generation = generation
        self.sock.sendall(HELLO.pack(HELLO_MAGIC, VERSION, flags, generation,
                                     name.encode(), token.encode(), session, epoch))
        (magic, version, self.flags, self.error, self.block_size, self.size,
         self.volume_generation, self.epoch, self.primary) = HELLO_REPLY.unpack(recv_all(self.sock, HELLO_REPLY.size))
        expect(magic == HELLO_REPLY_MAGIC and version == VERSION, "bad handshake reply")
        self.handle = 0

    def send(self, op, offset=0, length=0, data=b"", flags=0, handle=None):
        """Send a request; handle defaults to the next of a counter."""
        if handle is None:
            self.handle += 1
            handle = self.handle
        self.sock.sendall(REQUEST.pack(REQUEST_MAGIC, op, flags, handle,
                                       offset, self.generation, length, 0) + data)
        return handle

    def reply(self):
        magic, err, handle, length, _ = REPLY.unpack(recv_all(self.sock, REPLY.size))
        expect(magic == REPLY_MAGIC, "bad reply magic")
        return handle, err, recv_all(self.sock, length) if length else b""

    def call(self, op, offset=0, length=0, data=b"", flags=0, handle=None):
        sent = self.send(op, offset, length, data, flags, handle)
        handle, err, payload = self.reply()
        expect(handle == sent, "reply handle %d, want %d" % (handle, sent))
        return err, payload

    def read(self, offset, length):
        err, data = self.call(OP_READ, offset, length)
        expect(err == 0, "READ at %d: %s" % (offset, os.strerror(err)))
        expect(len(data) == length, "READ returned %d bytes" % len(data))
        return data

    def write(self, offset, data, flags=0):
        err, _ = self.call(OP_WRITE, offset, len(data), data, flags)
        expect(err == 0, "WRITE at %d: %s" % (offset, os.strerror(err)))


def cstr(b):
    return b.split(b"\0", 1)[0].decode()


class Admin(Session):
    """An admin session; call() sends admin ops.  token: CBS_ADMIN_TOKEN by default."""

    def __init__(self, addr, token=None):
        Session.__init__(self, addr, "", token or os.environ["CBS_ADMIN_TOKEN"], 0,
                         flags=F_ADMIN)
        self.sock.settimeout(30)
        self.generation = 0

    def op(self, op, payload=b""):
        return self.call(op, length=len(payload), data=payload)

    def create(self, name, size, token, block_size=4096):
        return self.op(OP_CREATE, ADMIN_VOLUME.pack(name.encode(), token.encode(),
                                                     size, block_size, 0))[0]

    def delete(self, name):
        return self.op(OP_DELETE, ADMIN_VOLUME.pack(name.encode(), b"", 0, 0, 0))[0]

    def delete_closed(self, name):
        """DELETE, once the server has seen the volume's sessions close."""
        for _ in range(100):
            err = self.delete(name)
            if err != errno.EBUSY:
                return err
            time.sleep(0.05)
        return err

    def snap(self, op, volume, snap="", clone="", token="", flags=0, raw=None):
        """A snapshot op; raw: the payload as is.  (error, payload)."""
        if raw is None:
            raw = ADMIN_SNAPSHOT.pack(volume.encode(), snap.encode(), clone.encode(),
                                      token.encode(), flags, 0)
        return self.op(op, raw)

    def snap_list(self, volume):
        """{name: (created, allocated, flags, clones)}; raises on an error."""
        err, data = self.snap(OP_SNAP_LIST, volume)
        expect(err == 0, "SNAP_LIST %s: %s" % (volume, os.strerror(err)))
        count, _ = SNAP_LIST_HEADER.unpack_from(data)
        expect(len(data) == SNAP_LIST_HEADER.size + count * SNAP_LIST_ENTRY.size,
               "SNAP_LIST: %d bytes for %d entries" % (len(data), count))
        out = {}
        for i in range(count):
            e = SNAP_LIST_ENTRY.unpack_from(data, SNAP_LIST_HEADER.size + i * SNAP_LIST_ENTRY.size)
            out[cstr(e[0])] = e[1:]
        return out

    def volumes(self):
        """{name: dict of the LIST entry}."""
        err, data = self.op(OP_LIST)
        expect(err == 0, "LIST: %s" % os.strerror(err))
        _, _, count, _ = LIST_HEADER.unpack_from(data)
        out = {}
        for i in range(count):
            e = LIST_ENTRY.unpack_from(data, LIST_HEADER.size + i * LIST_ENTRY.size)
            out[cstr(e[0])] = dict(size=e[1], allocated=e[2], generation=e[3],
                                   block_size=e[4], snapshots=e[8], parent=cstr(e[9]))
        return out


def config_payload(name, epoch=0, flags=0, members=(), self_index=0, primary=0, peer=""):
    m = [a.encode() for a in members] + [b""] * (3 - len(members))
    return CONFIG.pack(name.encode(), epoch, flags, len(members), self_index, primary,
                       m[0], m[1], m[2], peer.encode())


def errname(err):
    return "ok" if err == 0 else errno.errorcode.get(err, str(err))


def tool_create(addr, admin, name, size, token):
    a = Admin(addr, admin)
    payload = ADMIN_VOLUME.pack(name.encode(), token.encode(), int(size), 4096, 0)
    return a.call(OP_CREATE, length=len(payload), data=payload)[0], ""


def tool_config(addr, admin, name, epoch, self_index, primary, members, peer=None):
    a = Admin(addr, admin)
    payload = config_payload(name, int(epoch), 0, members.split(","), int(self_index),
                             int(primary), peer or admin)
    return a.call(OP_CONFIG, length=len(payload), data=payload)[0], ""


def tool_promote(addr, admin, name, epoch, *rest):
    force = "force" in rest
    rest = [r for r in rest if r != "force"]
    a = Admin(addr, admin)
    payload = config_payload(name, int(epoch), F_FORCE if force else 0,
                             peer=rest[0] if rest else admin)
    return a.call(OP_PROMOTE, length=len(payload), data=payload)[0], ""


def tool_status(addr, admin, name):
    a = Admin(addr, admin)
    payload = config_payload(name)
    err, data = a.call(OP_STATUS, length=len(payload), data=payload)
    if err:
        return err, ""
    epoch, count, self_index, primary, _ = STATUS.unpack(data[:STATUS.size])
    out = "epoch %d count %d self %d primary %d" % (epoch, count, self_index, primary)
    for i in range(count):
        addr_m, m_epoch, lag, role, state = STATUS_ENTRY.unpack_from(
            data, STATUS.size + i * STATUS_ENTRY.size)
        out += " | %s %s %s epoch %d lag %d" % (addr_m.rstrip(b"\0").decode(), ROLES[role],
                                                STATES[state], m_epoch, lag)
    return 0, out


def tool_hello(addr, name, token, gen):
    s = Session(addr, name, token, int(gen))
    return s.error, "epoch %d primary %s generation %d" % (
        s.epoch, s.primary.rstrip(b"\0").decode(), s.volume_generation)


def tool_put(addr, name, token, gen, offset, seed, length, *flags):
    s = Session(addr, name, token, int(gen))
    if s.error:
        return s.error, "handshake"
    err, _ = s.call(OP_WRITE, int(offset), int(length), pattern(int(seed), int(length)),
                    F_FUA if "fua" in flags else 0)
    return err, ""


def tool_get(addr, name, token, gen, offset, seed, length):
    s = Session(addr, name, token, int(gen))
    if s.error:
        return s.error, "handshake"
    err, data = s.call(OP_READ, int(offset), int(length))
    if not err and data != pattern(int(seed), int(length)):
        return errno.EILSEQ, "data differs"
    return err, ""


def tool_rput(addr, admin, name, epoch, gen, offset, seed, length):
    """As a primary that died having sent one write to this backup only."""
    s = Session(addr, name, admin, int(gen), flags=F_REPLICA, epoch=int(epoch))
    if s.error:
        return s.error, "handshake"
    return s.call(OP_WRITE, int(offset), int(length), pattern(int(seed), int(length)))[0], ""


def tool_digest(addr, admin, name, token, length):
    """The volume's first LENGTH bytes as this server has them: through a
    volume session on the primary, a replica session (its epoch) on a
    backup.  Whatever its files look like."""
    a = Admin(addr, admin)
    err, data = a.op(OP_STATUS, config_payload(name))
    if err:
        return err, "STATUS"
    epoch, _, self_index, primary, _ = STATUS.unpack_from(data)
    if self_index == primary:
        s = Session(addr, name, token, 1)
    else:
        s = Session(addr, name, admin, 1, flags=F_REPLICA, epoch=epoch)
    if s.error:
        return s.error, "handshake"
    h = hashlib.sha256()
    for off in range(0, int(length), 1 << 20):
        h.update(s.read(off, min(1 << 20, int(length) - off)))
    return 0, h.hexdigest()


def tool_snap(addr, admin, name, snap):
    return Admin(addr, admin).snap(OP_SNAP_CREATE, name, snap)[0], ""


def tool_snaps(addr, admin, name):
    return 0, " ".join(sorted(Admin(addr, admin).snap_list(name)))


def tool_set_replicas(addr, admin, name, epoch, members, *force):
    a = Admin(addr, admin)
    payload = config_payload(name, int(epoch), F_FORCE if "force" in force else 0,
                             members.split(","), peer=admin)
    return a.call(OP_SET_REPLICAS, length=len(payload), data=payload)[0], ""


def tool_raw(addr, admin, op, payload):
    a = Admin(addr, admin)
    data = bytes.fromhex(payload)
    return a.call(int(op), length=len(data), data=data)[0], ""


TOOLS = {
    "create": tool_create,
    "config": tool_config,
    "promote": tool_promote,
    "status": tool_status,
    "hello": tool_hello,
    "put": tool_put,
    "get": tool_get,
    "raw": tool_raw,
    "rput": tool_rput,
    "digest": tool_digest,
    "snap": tool_snap,
    "snaps": tool_snaps,
    "set-replicas": tool_set_replicas,
}


def tool_main(argv):
    want = "ok"
    if "--expect" in argv:
        i = argv.index("--expect")
        want = argv[i + 1]
        del argv[i:i + 2]
    err, detail = TOOLS[argv[1]](*argv[2:])
    got = errname(err)
    print(got + (" " + detail if detail else ""))
    return 0 if got == want else 1


def open_ok(addr, name, token, gen, session=0):
    s = Session(addr, name, token, gen, session)
    expect(s.error == 0, "handshake refused: %s" % os.strerror(s.error))
    return s


def pattern(seed, length):
    return bytes((seed * 131 + i * 7) & 0xFF for i in range(length))


def case_write(addr, name, token, gen):
    """Write blocks (plain, FUA, far out in the volume, pipelined), flush."""
    s = open_ok(addr, name, token, gen)
    bs = s.block_size
    s.write(0, pattern(1, bs))
    s.write(s.size // 2, pattern(2, 4 * bs), F_FUA)
    s.write(s.size - bs, pattern(3, bs))
    # Several requests in flight, then their replies.
    sent = [s.send(OP_WRITE, (10 + i) * bs, bs, pattern(10 + i, bs)) for i in range(8)]
    got = sorted(s.reply()[:2] for _ in sent)
    expect(got == [(h, 0) for h in sorted(sent)], "pipelined writes: %r" % got)
    err, _ = s.call(OP_FLUSH)
    expect(err == 0, "FLUSH: %s" % os.strerror(err))


def case_read(addr, name, token, gen):
    """Read back what case_write wrote; never-written blocks read as zeros."""
    s = open_ok(addr, name, token, gen)
    bs = s.block_size
    expect(s.read(0, bs) == pattern(1, bs), "block 0 differs")
    expect(s.read(s.size // 2, 4 * bs) == pattern(2, 4 * bs), "middle blocks differ")
    expect(s.read(s.size - bs, bs) == pattern(3, bs), "last block differs")
    for i in range(8):
        expect(s.read((10 + i) * bs, bs) == pattern(10 + i, bs), "block %d differs" % (10 + i))


def case_large(addr, name, token, gen):
    """1 MiB writes and reads (the server splices these), pipelined and unaligned."""
    s = open_ok(addr, name, token, gen)
    mib = 1 << 20
    base = 64 * mib
    sent = [s.send(OP_WRITE, base + i * mib, mib, pattern(20 + i, mib)) for i in range(4)]
    got = sorted(s.reply()[:2] for _ in sent)
    expect(got == [(h, 0) for h in sorted(sent)], "pipelined 1 MiB writes: %r" % got)
    s.write(base + 4 * mib, pattern(24, mib), F_FUA)
    sent = [s.send(OP_READ, base + i * mib, mib) for i in range(5)]
    replies = dict((h, (err, data)) for h, err, data in (s.reply() for _ in sent))
    for i, h in enumerate(sent):
        expect(replies[h] == (0, pattern(20 + i, mib)), "1 MiB block %d differs" % i)
    # Not page-aligned, and spanning two writes.
    off = base + mib - 3 * s.block_size
    want = pattern(20, mib)[-3 * s.block_size:] + pattern(21, mib)[:mib - 3 * s.block_size]
    expect(s.read(off, mib) == want, "unaligned 1 MiB read differs")
    # A refused large write (past the end) leaves the stream in step.
    err, _ = s.call(OP_WRITE, s.size - s.block_size, mib, pattern(25, mib))
    expect(err == errno.EINVAL, "WRITE past the end: error %d, want EINVAL" % err)
    expect(s.read(base, mib) == pattern(20, mib), "session broken after a refused write")


def case_zeros(addr, name, token, gen):
    """Unwritten, discarded and zeroed blocks read as zeros."""
    s = open_ok(addr, name, token, gen)
    bs = s.block_size
    expect(s.read(bs, bs) == bytes(bs), "unwritten block 1 is not zeros")
    expect(s.read(s.size // 4, 1 << 20) == bytes(1 << 20), "unwritten MiB is not zeros")
    s.write(100 * bs, pattern(4, 2 * bs))
    err, _ = s.call(OP_DISCARD, 100 * bs, bs)
    expect(err == 0, "DISCARD: %s" % os.strerror(err))
    err, _ = s.call(OP_WRITE_ZEROES, 101 * bs, bs, flags=F_FUA)
    expect(err == 0, "WRITE_ZEROES: %s" % os.strerror(err))
    expect(s.read(100 * bs, 2 * bs) == bytes(2 * bs), "discarded/zeroed blocks are not zeros")


def case_bad_token(addr, name, token, gen):
    """A wrong access token is refused with EACCES and the connection closed."""
    s = Session(addr, name, token + "x", gen)
    expect(s.error == errno.EACCES, "handshake error %d, want EACCES" % s.error)
    expect(closed_by_server(s.sock), "connection left open")


def case_fence(addr, name, token, gen):
    """A handshake with generation gen+1 fences a session of generation gen."""
    old = open_ok(addr, name, token, gen)
    bs = old.block_size
    old.write(200 * bs, pattern(5, bs))
    new = open_ok(addr, name, token, gen + 1)
    expect(new.volume_generation == gen + 1, "generation not raised")
    err, _ = old.call(OP_WRITE, 200 * bs, bs, pattern(6, bs))
    expect(err == errno.ESTALE, "stale WRITE: error %d, want ESTALE" % err)
    err, _ = old.call(OP_READ, 200 * bs, bs)
    expect(err == errno.ESTALE, "stale READ: error %d, want ESTALE" % err)
    again = Session(addr, name, token, gen)
    expect(again.error == errno.ESTALE, "stale handshake: error %d, want ESTALE" % again.error)
    expect(new.read(200 * bs, bs) == pattern(5, bs), "fenced WRITE changed data")


def case_stale(addr, name, token, gen):
    """A handshake below the volume's (persisted) generation gets ESTALE."""
    s = Session(addr, name, token, gen)
    expect(s.error == errno.ESTALE, "handshake error %d, want ESTALE" % s.error)


def case_malformed(addr, name, token, gen):
    """Hostile frames get an error reply or a closed connection; others are served."""
    host, port = addr.rsplit(":", 1)
    bystander = open_ok(addr, name, token, gen)
    bs = bystander.block_size

    # Garbage instead of a handshake.
    raw = socket.create_connection((host, int(port)), timeout=10)
    raw.sendall(os.urandom(HELLO.size))
    expect(closed_by_server(raw), "garbage handshake: connection left open")

    # A request with a bad magic after a good handshake.
    s = open_ok(addr, name, token, gen)
    s.sock.sendall(b"\xff" * REQUEST.size)
    expect(closed_by_server(s.sock), "bad magic: connection left open")

    # A WRITE announcing a payload far over the limit.
    s = open_ok(addr, name, token, gen)
    s.sock.sendall(REQUEST.pack(REQUEST_MAGIC, OP_WRITE, 0, 1, 0, gen, 0xFFFFFFFF, 0))
    expect(closed_by_server(s.sock), "huge WRITE: connection left open")

    # Requests that are answered with an error, on a connection that lives on.
    s = open_ok(addr, name, token, gen)
    cases = [
        ("offset past end", dict(op=OP_READ, offset=s.size, length=bs), errno.EINVAL),
        ("offset+length wraps", dict(op=OP_READ, offset=2**64 - bs, length=2 * bs), errno.EINVAL),
        ("unaligned", dict(op=OP_READ, offset=1, length=bs), errno.EINVAL),
        ("length 0", dict(op=OP_READ, offset=0, length=0), errno.EINVAL),
        ("READ over the limit", dict(op=OP_READ, offset=0, length=MAX_LEN + bs), errno.EINVAL),
        ("unknown op", dict(op=77, offset=0, length=bs), errno.EOPNOTSUPP),
        ("admin op", dict(op=19, offset=0, length=0), errno.EPERM),
        ("WRITE past end", dict(op=OP_WRITE, offset=s.size, length=bs, data=bytes(bs)), errno.EINVAL),
    ]
    for what, req, want in cases:
        err, _ = s.call(**req)
        expect(err == want, "%s: error %d, want %d" % (what, err, want))
    expect(s.read(0, bs) is not None, "connection unusable after errors")

    # A peer that stalls mid-frame does not hold up anyone else.
    stalled = open_ok(addr, name, token, gen)
    stalled.sock.sendall(REQUEST.pack(REQUEST_MAGIC, OP_WRITE, 0, 1, 0, gen, bs, 0)[:10])
    bystander.write(bs, pattern(7, bs))
    expect(bystander.read(bs, bs) == pattern(7, bs), "bystander lost its data")
    Session(addr, name, token, gen)  # and new connections still work


def case_random_frames(addr, name, token, gen):
    """Hundreds of random frames with a valid magic; the server survives them."""
    rng = random.Random(int.from_bytes(os.urandom(8), "little"))
    s = open_ok(addr, name, token, gen)
    bs, size = s.block_size, s.size
    fields = [
        lambda: rng.choice([OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_WRITE_ZEROES,
                            16, 17, 18, 19, rng.getrandbits(16)]),
        lambda: rng.choice([0, F_FUA, rng.getrandbits(16)]),
        lambda: rng.choice([0, bs, size - bs, size, rng.randrange(size // bs) * bs,
                            rng.getrandbits(64)]),
        lambda: rng.choice([gen, gen - 1, gen + 1, 0, rng.getrandbits(64)]),
        lambda: rng.choice([0, bs, 1, bs - 1, 16 * bs, MAX_LEN, MAX_LEN + bs,
                            rng.getrandbits(32)]),
        lambda: rng.choice([0, 0, 0, rng.getrandbits(32)]),
    ]
    for _ in range(300):
        op, flags, offset, rgen, length, reserved = (f() for f in fields)
        frame = REQUEST.pack(REQUEST_MAGIC, op, flags, 1, offset, rgen, length, reserved)
        if op in (OP_WRITE, 16, 17, 18):  # the ops that carry a payload
            if MAX_LEN >= length > (1 << 20):
                continue  # keep the run short; large payloads are tested elsewhere
            if length <= MAX_LEN:
                frame += bytes(length)
        try:
            s.sock.sendall(frame)
            s.reply()
        except (ConnectionError, Fail):
            s = open_ok(addr, name, token, gen)
    expect(s.read(0, bs) is not None, "server stopped answering")


def case_corpus(addr, name, token, gen):
    """The fuzzer's seed corpus, each file sent raw after a handshake."""
    corpus = os.environ.get("CBS_CORPUS", "tests/fuzz/corpus/cbs_proto")
    files = sorted(os.listdir(corpus))
    expect(files, "empty corpus %s" % corpus)
    for f in files:
        with open(os.path.join(corpus, f), "rb") as fh:
            raw = fh.read()
        s = open_ok(addr, name, token, gen)
        try:
            s.sock.sendall(raw)
            s.sock.shutdown(socket.SHUT_WR)
            while s.sock.recv(65536):
                pass
        except OSError:
            pass  # the server closed first: a valid answer to a bad frame
        s.sock.close()
    s = open_ok(addr, name, token, gen)
    expect(s.read(0, s.block_size) is not None, "server stopped answering")


def case_enospc(addr, name, token, gen):
    """On a full filesystem only the writes that hit it fail, with ENOSPC."""
    s = open_ok(addr, name, token, gen)
    chunk = 256 << 10
    offset, err = 0, 0
    while offset + chunk <= s.size:
        err, _ = s.call(OP_WRITE, offset, chunk, pattern(8, chunk))
        if err:
            break
        offset += chunk
    expect(err == errno.ENOSPC, "WRITE on a full disk: error %d, want ENOSPC" % err)
    expect(offset > 0, "not even the first write fit")
    expect(s.read(0, chunk) == pattern(8, chunk), "written data lost")
    err, _ = s.call(OP_FLUSH)
    expect(err == 0, "FLUSH after ENOSPC: %s" % os.strerror(err))
    err, _ = s.call(OP_DISCARD, 0, offset)
    expect(err == 0, "DISCARD: %s" % os.strerror(err))
    s.write(0, pattern(9, chunk))
    expect(s.read(0, chunk) == pattern(9, chunk), "write after freeing space lost")


def handle_of(attempt, slot):
    """A handle within a session: the request's attempt and its slot."""
    return attempt << 32 | slot


def new_session_id():
    return int.from_bytes(os.urandom(8), "little") | 1


def expect_data(s, offset, want, what):
    got = s.read(offset, len(want))
    expect(got == want, "%s: the data on disk changed" % what)


def case_attempts(addr, name, token, gen):
    """Within a session, a write older than the newest attempt begun for its
    slot is refused with ECANCELED and changes nothing; reads, flushes,
    other slots, other sessions and session 0 are not affected."""
    sid = new_session_id()
    a = open_ok(addr, name, token, gen, sid)
    b = open_ok(addr, name, token, gen, sid)
    bs = a.block_size
    slot, off = 0x10005, 300 * bs          # hardware queue 1, tag 5
    data = pattern(30, 2 * bs)

    # Attempt 2 begins on connection B; attempt 1 comes late on A.
    err, _ = b.call(OP_WRITE, off, 2 * bs, data, handle=handle_of(2, slot))
    expect(err == 0, "attempt 2: %s" % os.strerror(err))
    late = [("WRITE", dict(op=OP_WRITE, length=2 * bs, data=pattern(31, 2 * bs))),
            ("FUA WRITE", dict(op=OP_WRITE, length=bs, data=pattern(32, bs), flags=F_FUA)),
            ("WRITE_ZEROES", dict(op=OP_WRITE_ZEROES, length=2 * bs)),
            ("DISCARD", dict(op=OP_DISCARD, length=2 * bs))]
    for what, req in late:
        err, _ = a.call(offset=off, handle=handle_of(1, slot), **req)
        expect(err == errno.ECANCELED, "late %s: error %d, want ECANCELED" % (what, err))
        expect_data(b, off, data, "late " + what)

    # Reads and flushes of an old attempt are served.
    err, got = a.call(OP_READ, off, 2 * bs, handle=handle_of(1, slot))
    expect(err == 0 and got == data, "READ of an old attempt: error %d" % err)
    err, _ = a.call(OP_FLUSH, handle=handle_of(1, slot))
    expect(err == 0, "FLUSH of an old attempt: error %d" % err)
    # Another slot of the session is apart.
    err, _ = a.call(OP_WRITE, off + 2 * bs, bs, pattern(33, bs), handle=handle_of(1, slot + 1))
    expect(err == 0, "attempt 1 of another slot: error %d" % err)

    # Another session, and session 0, have their own order (or none).
    for what, sess in (("another session", new_session_id()), ("session 0", 0)):
        o = open_ok(addr, name, token, gen, sess)
        err, _ = o.call(OP_WRITE, off + 3 * bs, bs, pattern(34, bs), handle=handle_of(1, slot))
        expect(err == 0, "%s, attempt 1: error %d" % (what, err))
        o.sock.close()
    # ... and a new session left this one's table alone.
    err, _ = a.call(OP_WRITE, off, bs, pattern(35, bs), handle=handle_of(1, slot))
    expect(err == errno.ECANCELED, "after other sessions: error %d, want ECANCELED" % err)

    # Serial-number order across the wrap: 0 is newer than 0xffffffff.
    wrap = slot + 2
    err, _ = b.call(OP_WRITE, off + 4 * bs, bs, pattern(36, bs), handle=handle_of(0xFFFFFFFF, wrap))
    expect(err == 0, "attempt 0xffffffff: error %d" % err)
    err, _ = a.call(OP_WRITE, off + 4 * bs, bs, pattern(37, bs), handle=handle_of(0, wrap))
    expect(err == 0, "attempt 0 after 0xffffffff: error %d" % err)
    err, _ = b.call(OP_WRITE, off + 4 * bs, bs, pattern(38, bs), handle=handle_of(0xFFFFFFFF, wrap))
    expect(err == errno.ECANCELED, "attempt 0xffffffff after 0: error %d, want ECANCELED" % err)
    expect_data(b, off + 4 * bs, pattern(37, bs), "attempt 0xffffffff after 0")

    # The late connection alone keeps the session's order alive ...
    b.sock.close()
    err, _ = a.call(OP_WRITE, off, bs, pattern(39, bs), handle=handle_of(1, slot))
    expect(err == errno.ECANCELED, "after B closed: error %d, want ECANCELED" % err)
    expect_data(a, off, data, "after B closed")
    # ... and it is gone with the session's last connection.
    a.sock.close()
    deadline = time.monotonic() + 10
    while True:
        c = open_ok(addr, name, token, gen, sid)
        err, _ = c.call(OP_WRITE, off, bs, pattern(40, bs), handle=handle_of(1, slot))
        c.sock.close()
        if err == 0 or time.monotonic() > deadline:
            break
    expect(err == 0, "the session's table outlived its connections: error %d" % err)


def case_slot_flood(addr, name, token, gen):
    """A session that uses more slots than the server tracks gets ENOBUFS for
    the new ones; its other slots, other sessions and the server go on."""
    s = open_ok(addr, name, token, gen, new_session_id())
    bs, base, batch = s.block_size, 1 << 30, 256
    for first in range(0, SLOT_CAP, batch):
        sent = [s.send(OP_DISCARD, base, bs, handle=handle_of(1, slot))
                for slot in range(first, min(first + batch, SLOT_CAP))]
        errs = [s.reply()[1] for _ in sent]
        expect(errs == [0] * len(sent), "DISCARD in slots %d..: %r" % (first, set(errs)))
    err, _ = s.call(OP_DISCARD, base, bs, handle=handle_of(1, SLOT_CAP))
    expect(err == errno.ENOBUFS, "slot over the cap: error %d, want ENOBUFS" % err)
    err, _ = s.call(OP_WRITE, base, bs, pattern(41, bs), handle=handle_of(2, 7))
    expect(err == 0, "a known slot after the cap: error %d" % err)
    expect(s.read(base, bs) == pattern(41, bs), "write after the cap lost")
    o = open_ok(addr, name, token, gen, new_session_id())
    err, _ = o.call(OP_DISCARD, base, bs, handle=handle_of(1, SLOT_CAP))
    expect(err == 0, "another session's new slot: error %d" % err)


def case_late_splice(addr, name, token, gen):
    """The race itself: attempt 1 of a large (spliced) write passes its check
    and stalls half-way in connection A; attempt 2 is retried and answered on
    connection B, newer data follows; then A's rest arrives.  None of it may
    land: A is answered ECANCELED and the newer data stays."""
    sid = new_session_id()
    a = open_ok(addr, name, token, gen, sid)
    b = open_ok(addr, name, token, gen, sid)
    watcher = open_ok(addr, name, token, gen)
    mib, half = 1 << 20, 1 << 19
    slot, off = 0x20011, 128 * mib
    first = pattern(50, mib)

    a.sock.sendall(REQUEST.pack(REQUEST_MAGIC, OP_WRITE, 0, handle_of(1, slot),
                                off, gen, mib, 0) + first[:half])
    # A is mid-write: its first half is on disk, so it passed its check.
    deadline = time.monotonic() + 10
    while watcher.read(off, half) != first[:half]:
        expect(time.monotonic() < deadline, "attempt 1's first half never landed")
        time.sleep(0.01)
    err, _ = b.call(OP_WRITE, off, mib, pattern(51, mib), handle=handle_of(2, slot))
    expect(err == 0, "the retry (attempt 2): %s" % os.strerror(err))
    newer = pattern(52, mib)
    err, _ = b.call(OP_WRITE, off, mib, newer, handle=handle_of(1, slot + 1))
    expect(err == 0, "the newer write: %s" % os.strerror(err))

    a.sock.sendall(first[half:])
    handle, err, _ = a.reply()
    expect(handle == handle_of(1, slot), "reply for handle %#x" % handle)
    got = watcher.read(off, mib)
    expect(got[:half] == newer[:half], "the stale attempt's data is in the first half")
    expect(got[half:] == newer[half:], "the stale attempt's rest landed over newer data")
    expect(err == errno.ECANCELED, "attempt 1: error %d, want ECANCELED" % err)
    expect(a.read(off, mib) == newer, "connection A out of step after the refusal")


def in_syscall(pid, nr):
    """Some thread of process pid is in (or stopped at) syscall number nr."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as f:
                if f.read().split(" ", 1)[0] == str(nr):
                    return True
        except OSError:
            pass
    return False


def case_late_pwrite(addr, name, token, gen):
    """Atomicity: attempt 1 passes its check and then stalls inside its pwrite
    (strace holds up each server thread's first pwrite64, see cbs_server.sh;
    CBS_SERVER_PID names the server).  Attempt 2 of the same slot must wait
    for that write to finish and land after it, never before."""
    pid = int(os.environ["CBS_SERVER_PID"])
    sid = new_session_id()
    a = open_ok(addr, name, token, gen, sid)
    b = open_ok(addr, name, token, gen, sid)
    bs = a.block_size
    slot, off = 0x30003, 400 * bs
    # B's thread spends its held-up pwrite on another slot first.
    err, _ = b.call(OP_WRITE, off + bs, bs, pattern(59, bs), handle=handle_of(1, slot + 1))
    expect(err == 0, "B's first write: %s" % os.strerror(err))
    a.send(OP_WRITE, off, bs, pattern(60, bs), handle=handle_of(1, slot))
    deadline = time.monotonic() + 10
    while not in_syscall(pid, 18):  # x86_64 pwrite64
        expect(time.monotonic() < deadline, "attempt 1 never reached its pwrite")
        time.sleep(0.01)
    retry = pattern(61, bs)
    err, _ = b.call(OP_WRITE, off, bs, retry, handle=handle_of(2, slot))
    expect(err == 0, "the retry (attempt 2): %s" % os.strerror(err))
    handle, err, _ = a.reply()
    expect(handle == handle_of(1, slot) and err == 0, "attempt 1: error %d" % err)
    expect(b.read(off, bs) == retry, "attempt 1's stalled write landed after its retry")


def block_marker(index, bs):
    """A block's content that names the block: a misplaced or lost block shows."""
    return (b"blk%012d|" % index) * (bs // 16)


def check_blocks(s, size):
    """Every block below size holds its marker."""
    bs, chunk = s.block_size, 1 << 20
    for off in range(0, size, chunk):
        n = min(chunk, size - off)
        want = b"".join(block_marker((off + i) // bs, bs) for i in range(0, n, bs))
        got = s.read(off, n)
        if got != want:
            first = next(i for i in range(0, n, bs) if got[i:i + bs] != want[i:i + bs])
            raise Fail("block %d lost: reads %r..." % ((off + first) // bs, got[first:first + 16]))


def case_fill(addr, name, token, gen):
    """Write every block of the volume with its marker, durably."""
    s = open_ok(addr, name, token, gen)
    bs, chunk = s.block_size, 1 << 20
    for off in range(0, s.size, chunk):
        n = min(chunk, s.size - off)
        s.write(off, b"".join(block_marker((off + i) // bs, bs) for i in range(0, n, bs)))
    err, _ = s.call(OP_FLUSH)
    expect(err == 0, "FLUSH: %s" % os.strerror(err))


def case_intact(addr, name, token, gen, size):
    """The volume is still size bytes, every block as case_fill wrote it."""
    s = open_ok(addr, name, token, gen)
    expect(s.size == size, "size %d, want %d" % (s.size, size))
    check_blocks(s, size)


def case_resized(addr, name, token, gen, old, new):
    """After an interrupted resize: the old size with all data, or the new
    size with all data below it; never zeros where data was."""
    s = open_ok(addr, name, token, gen)
    expect(s.size in (old, new), "size %d, want %d or %d" % (s.size, old, new))
    check_blocks(s, min(s.size, old))
    print("size %d" % s.size)


def admin_ok(addr):
    a = Admin(addr)
    expect(a.error == 0, "admin handshake refused: %s" % os.strerror(a.error))
    return a


OP_NAMES = {OP_SNAP_CREATE: "SNAP_CREATE", OP_SNAP_DELETE: "SNAP_DELETE",
            OP_SNAP_LIST: "SNAP_LIST", OP_CLONE: "CLONE", OP_ROLLBACK: "ROLLBACK"}


def snap_call(a, op, volume, snap="", want=0, **kw):
    err, payload = a.snap(op, volume, snap, **kw)
    expect(err == want, "%s %s@%s: %s, want %s" % (OP_NAMES[op], volume, snap,
                                                   os.strerror(err), os.strerror(want)))
    return payload


def expect_blocks(s, want, what):
    """want: {block: bytes}; every other block of the first 2 MiB reads zeros."""
    bs = s.block_size
    got = s.read(0, 2 << 20)
    for b in range((2 << 20) // bs):
        exp = want.get(b, bytes(bs))
        expect(got[b * bs:(b + 1) * bs] == exp,
               "%s: block %d reads %r..., want %r..." % (what, b, got[b * bs:b * bs + 8], exp[:8]))


def write_blocks(s, model, first, data):
    bs = s.block_size
    s.write(first * bs, data)
    for i in range(len(data) // bs):
        model[first + i] = data[i * bs:(i + 1) * bs]


# The state case_snap_ops leaves, which case_snap_verify checks after a restart.
def snap_states(bs):
    a = {}
    for i in range(8):
        a[i] = pattern(100 + i, bs)
    big = pattern(7, 1 << 20)
    for i in range((1 << 20) // bs):
        a[(1 << 20) // bs + i] = big[i * bs:(i + 1) * bs]
    c1 = dict(a)
    c1[3] = pattern(300, bs)
    s2 = dict(a)
    s2[5] = pattern(500, bs)
    return a, c1, s2


def case_snap_ops(addr, name, token, gen):
    """Snapshots, clones (of clones), rollback and delete, on data and in the lists."""
    a = admin_ok(addr)
    s = open_ok(addr, name, token, gen)
    bs = s.block_size
    A, C1, S2 = snap_states(bs)
    cur = {}
    for i in range(8):
        write_blocks(s, cur, i, pattern(100 + i, bs))
    write_blocks(s, cur, (1 << 20) // bs, pattern(7, 1 << 20))
    expect(cur == A, "model")
    t0 = time.time_ns()
    snap_call(a, OP_SNAP_CREATE, name, "s1")
    snap_call(a, OP_SNAP_CREATE, name, "s1", want=errno.EEXIST)
    # After it: a write, a discard and a zeroing over the snapshot's blocks,
    # and a spliced write across the large region.
    write_blocks(s, cur, 0, pattern(200, bs))
    for op, b in ((OP_DISCARD, 1), (OP_WRITE_ZEROES, 2)):
        err, _ = s.call(op, b * bs, bs)
        expect(err == 0, "op %d: %s" % (op, os.strerror(err)))
        cur[b] = bytes(bs)
    write_blocks(s, cur, (1 << 20) // bs + 1, pattern(201, 1 << 20))
    expect_blocks(s, cur, "the volume after its snapshot")
    snaps = a.snap_list(name)
    expect(list(snaps) == ["s1"], "snapshots %r" % list(snaps))
    created, _, flags, clones = snaps["s1"]
    expect(t0 - 10**9 <= created <= time.time_ns() and flags == 0 and clones == 0,
           "s1: %r" % (snaps["s1"],))
    # A clone reads the snapshot, and its writes are its own.
    snap_call(a, OP_CLONE, name, "s1", clone=name + "-c1", token="c1-secret")
    snap_call(a, OP_CLONE, name, "s1", clone=name + "-c1", token="c1-secret", want=errno.EEXIST)
    c = open_ok(addr, name + "-c1", "c1-secret", 1)
    expect(c.size == s.size, "clone size %d" % c.size)
    expect_blocks(c, A, "the clone")
    c.write(3 * bs, pattern(300, bs))
    expect_blocks(c, C1, "the clone after a write")
    expect_blocks(s, cur, "the volume after its clone's write")
    # A clone of a clone, from a protected snapshot.
    snap_call(a, OP_SNAP_CREATE, name + "-c1", "cs", flags=SNAP_F_PROTECTED)
    c.write(4 * bs, pattern(400, bs))
    snap_call(a, OP_CLONE, name + "-c1", "cs", clone=name + "-c2", token="c2-secret")
    c2 = open_ok(addr, name + "-c2", "c2-secret", 1)
    expect_blocks(c2, C1, "the clone of the clone")
    snap_call(a, OP_SNAP_DELETE, name + "-c1", "cs", want=errno.EBUSY)
    c.sock.close()
    c2.sock.close()
    expect(a.delete_closed(name + "-c1") == errno.EBUSY, "a volume whose protected snapshot has clones deleted")
    expect(a.snap_list(name + "-c1")["cs"][2:] == (SNAP_F_PROTECTED, 1), "cs flags and clones")
    # Deleting the clones' snapshot: they keep reading it.
    snap_call(a, OP_SNAP_DELETE, name, "s1")
    snap_call(a, OP_SNAP_DELETE, name, "s1", want=errno.ENOENT)
    c2 = open_ok(addr, name + "-c2", "c2-secret", 1)
    expect_blocks(c2, C1, "the clone of the clone after s1's delete")
    c2.sock.close()
    # Rollback: refused while the volume is open, then back to s2.
    s.sock.close()
    s = open_ok(addr, name, token, gen)
    for b in list(cur):
        if b not in A:
            del cur[b]
    cur.update(A)
    s.write(0, b"".join(A[i] for i in range(8)))
    s.write(1 << 20, pattern(7, 1 << 20) + pattern(7, 1 << 20)[:0])
    s.call(OP_WRITE_ZEROES, (1 << 20) + (1 << 20), 1 << 20)
    write_blocks(s, cur, 5, pattern(500, bs))
    expect(cur == S2, "model s2")
    snap_call(a, OP_SNAP_CREATE, name, "s2")
    s.write(6 * bs, pattern(600, bs))
    snap_call(a, OP_ROLLBACK, name, "s2", want=errno.EBUSY)
    s.sock.close()
    snap_call(a, OP_ROLLBACK, name, "nope", want=errno.ENOENT)
    for _ in range(100):
        err = a.snap(OP_ROLLBACK, name, "s2")[0]
        if err != errno.EBUSY:
            break
        time.sleep(0.05)
    expect(err == 0, "ROLLBACK %s@s2: %s" % (name, os.strerror(err)))
    s = open_ok(addr, name, token, gen)
    expect_blocks(s, S2, "the volume rolled back")
    s.sock.close()
    vols = a.volumes()
    expect(vols[name]["snapshots"] == 1 and vols[name]["parent"] == "", "LIST %s: %r" % (name, vols[name]))
    expect(vols[name + "-c1"]["parent"] == name + "@s1" and vols[name + "-c1"]["snapshots"] == 1,
           "LIST c1: %r" % vols[name + "-c1"])
    expect(vols[name + "-c2"]["parent"] == name + "-c1@cs", "LIST c2: %r" % vols[name + "-c2"])


def case_snap_verify(addr, name, token, gen):
    """After a restart: what case_snap_ops left, then everything deleted."""
    a = admin_ok(addr)
    bs = open_ok(addr, name, token, gen).block_size
    A, C1, S2 = snap_states(bs)
    expect_blocks(open_ok(addr, name, token, gen), S2, "the volume")
    expect_blocks(open_ok(addr, name + "-c2", "c2-secret", 1), C1, "c2")
    c1 = dict(C1)
    c1[4] = pattern(400, bs)
    expect_blocks(open_ok(addr, name + "-c1", "c1-secret", 1), c1, "c1")
    snap_call(a, OP_CLONE, name, "s2", clone=name + "-c3", token="c3-secret")
    expect_blocks(open_ok(addr, name + "-c3", "c3-secret", 1), S2, "a clone of s2")
    for v in (name + "-c2", name + "-c3"):
        expect(a.delete_closed(v) == 0, "delete %s" % v)
    snap_call(a, OP_SNAP_DELETE, name + "-c1", "cs")
    expect(a.delete_closed(name + "-c1") == 0, "delete c1")
    snap_call(a, OP_SNAP_DELETE, name, "s2")
    expect_blocks(open_ok(addr, name, token, gen), S2, "the volume without snapshots")


def case_snap_errors(addr, name, token, gen):
    """Bad snapshot payloads and unknown names: refused, nothing changed."""
    a = admin_ok(addr)
    before = (a.volumes(), a.snap_list(name))
    P = ADMIN_SNAPSHOT
    bad = [
        (OP_SNAP_CREATE, dict(raw=P.pack(b"", b"x", b"", b"", 0, 0)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(name.encode(), b".x", b"", b"", 0, 0)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(name.encode(), b"x", b"", b"", 2, 0)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(name.encode(), b"x", b"", b"", 0, 1)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(name.encode(), b"x", b"c", b"", 0, 0)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(name.encode(), b"x" * 64, b"", b"", 0, 0)), errno.EINVAL),
        (OP_SNAP_DELETE, dict(raw=P.pack(name.encode(), b"x", b"", b"", 1, 0)), errno.EINVAL),
        (OP_CLONE, dict(raw=P.pack(name.encode(), b"x", b"y", b"", 0, 0)), errno.EINVAL),
        (OP_CLONE, dict(raw=P.pack(name.encode(), b"x", b"", b"t", 0, 0)), errno.EINVAL),
        (OP_SNAP_LIST, dict(raw=P.pack(name.encode(), b"x", b"", b"", 0, 0)), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=b"short"), errno.EINVAL),
        (OP_SNAP_CREATE, dict(raw=P.pack(b"no-such-volume", b"x", b"", b"", 0, 0)), errno.ENOENT),
        (OP_SNAP_DELETE, dict(raw=P.pack(name.encode(), b"no-such-snap", b"", b"", 0, 0)), errno.ENOENT),
        (OP_SNAP_LIST, dict(raw=P.pack(b"no-such-volume", b"", b"", b"", 0, 0)), errno.ENOENT),
        (OP_CLONE, dict(raw=P.pack(name.encode(), b"no-such-snap", b"y", b"t", 0, 0)), errno.ENOENT),
        (OP_ROLLBACK, dict(raw=P.pack(b"no-such-volume", b"x", b"", b"", 0, 0)), errno.ENOENT),
    ]
    for op, kw, want in bad:
        snap_call(a, op, name, want=want, **kw)
    # A volume session may not send admin ops, nor SNAPSHOT (replica sessions only).
    s = open_ok(addr, name, token, gen)
    err, _ = s.call(OP_SNAP_CREATE, 0, P.size, P.pack(name.encode(), b"x", b"", b"", 0, 0))
    expect(err == errno.EPERM, "SNAP_CREATE in a volume session: %s" % os.strerror(err))
    err, _ = s.call(5, 0, 64, b"x".ljust(64, b"\0"))
    expect(err == errno.EPERM, "SNAPSHOT in a volume session: %s" % os.strerror(err))
    after = (a.volumes(), a.snap_list(name))
    for v in before[0].values():
        v.pop("allocated")
    for v in after[0].values():
        v.pop("allocated")
    expect(before == after, "changed: %r -> %r" % (before, after))



def case_snap_take(addr, name, token, gen):
    """Snapshot VOLUME@take (a write first, so there is data under it)."""
    s = open_ok(addr, name, token, gen)
    s.write(s.size // 2, pattern(9, 1 << 20), F_FUA)
    snap_call(admin_ok(addr), OP_SNAP_CREATE, name, "take")
    s.write(s.size // 2, pattern(10, 1 << 20), F_FUA)
    expect(s.read(s.size // 2, 1 << 20) == pattern(10, 1 << 20), "write after the snapshot")



def case_snap_create(addr, name, token, gen, first=0):
    """SNAP_CREATE VOLUME@crash (after VOLUME@first if asked): the server may die in it."""
    a = admin_ok(addr)
    if first:
        snap_call(a, OP_SNAP_CREATE, name, "first")
    a.snap(OP_SNAP_CREATE, name, "crash")


def case_snap_crashed(addr, name, token, gen):
    """After a crash in SNAP_CREATE VOLUME@crash: the volume as case_fill wrote
    it, and the snapshot either not there or whole."""
    s = open_ok(addr, name, token, gen)
    check_blocks(s, s.size)
    a = admin_ok(addr)
    if "crash" not in a.snap_list(name):
        print("snapshot not taken")
        return
    snap_call(a, OP_CLONE, name, "crash", clone=name + "-check", token="check-secret")
    c = open_ok(addr, name + "-check", "check-secret", 1)
    check_blocks(c, c.size)
    c.sock.close()
    expect(a.delete_closed(name + "-check") == 0, "delete the check clone")
    print("snapshot taken")



def case_snap_ack_write(addr, name, token, gen):
    """Snapshot VOLUME@acked of a volume case_fill wrote, then FUA writes over it."""
    snap_call(admin_ok(addr), OP_SNAP_CREATE, name, "acked")
    s = open_ok(addr, name, token, gen)
    for b in range(8):
        s.write(b * s.block_size, pattern(700 + b, s.block_size), F_FUA)


def case_snap_ack_check(addr, name, token, gen):
    """What case_snap_ack_write left: the FUA writes in the volume, the
    snapshot as case_fill wrote it."""
    s = open_ok(addr, name, token, gen)
    bs = s.block_size
    for b in range(8):
        expect(s.read(b * bs, bs) == pattern(700 + b, bs), "FUA block %d lost" % b)
    got = s.read(8 * bs, s.size - 8 * bs)
    want = b"".join(block_marker(b, bs) for b in range(8, s.size // bs))
    expect(got == want, "the volume's other blocks differ")
    a = admin_ok(addr)
    snap_call(a, OP_CLONE, name, "acked", clone=name + "-check", token="check-secret")
    c = open_ok(addr, name + "-check", "check-secret", 1)
    check_blocks(c, c.size)
    c.sock.close()
    expect(a.delete_closed(name + "-check") == 0, "delete the check clone")


CASES = {
    "write": case_write,
    "read": case_read,
    "large": case_large,
    "zeros": case_zeros,
    "bad-token": case_bad_token,
    "fence": case_fence,
    "stale": case_stale,
    "malformed": case_malformed,
    "random-frames": case_random_frames,
    "corpus": case_corpus,
    "enospc": case_enospc,
    "fill": case_fill,
    "intact": case_intact,
    "resized": case_resized,
    "attempts": case_attempts,
    "slot-flood": case_slot_flood,
    "late-splice": case_late_splice,
    "late-pwrite": case_late_pwrite,
    "snap-ops": case_snap_ops,
    "snap-verify": case_snap_verify,
    "snap-errors": case_snap_errors,
    "snap-take": case_snap_take,
    "snap-create": case_snap_create,
    "snap-crashed": case_snap_crashed,
    "snap-ack-write": case_snap_ack_write,
    "snap-ack-check": case_snap_ack_check,
}


def main():
    if len(sys.argv) > 1 and sys.argv[1] in TOOLS:
        try:
            return tool_main(sys.argv[:])
        except (Fail, OSError) as e:
            sys.stderr.write("%s: %s\n" % (sys.argv[1], e))
            return 1
    if len(sys.argv) < 5 or sys.argv[1] not in CASES:
        sys.stderr.write("usage: %s {%s} HOST:PORT VOLUME TOKEN [GENERATION [SIZE...]]\n"
                         % (sys.argv[0], "|".join(CASES)))
        return 2
    gen = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    sizes = [int(a) for a in sys.argv[6:]]
    try:
        CASES[sys.argv[1]](sys.argv[2], sys.argv[3], sys.argv[4], gen, *sizes)
    except (Fail, OSError) as e:
        sys.stderr.write("%s: %s\n" % (sys.argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

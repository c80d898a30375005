#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Ordered block writes for the cbs snapshot test (cbs_snapshot.sh).

  cbs_blocks.py seqwrite DEV OFFSET COUNT ACKLOG
      write 4 KiB block k (k = 0..COUNT-1) at OFFSET + k * 4096 with O_DIRECT
      and O_DSYNC, one at a time, each only after the previous one completed,
      and append "k" to ACKLOG (flushed) once it is acknowledged.
  cbs_blocks.py seqcheck DEV OFFSET COUNT N0 N1
      the blocks on DEV are a prefix of those writes: blocks 0..p-1 carry
      their pattern and the rest are zeros, for some p with N0 <= p <= N1 + 1
      (N0: blocks acknowledged before the snapshot began, N1: before it
      ended; block N1 may have been in flight, N1 + 1 was not yet sent).
      Prints p.
"""
import mmap
import os
import sys

BS = 4096


def pattern(k):
    head = b"cbs-seq-block %10d\n" % k
    return (head * (BS // len(head) + 1))[:BS]


def seqwrite(dev, offset, count, acklog):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT | os.O_DSYNC)
    buf = mmap.mmap(-1, BS)
    with open(acklog, "a") as log:
        for k in range(count):
            buf.seek(0)
            buf.write(pattern(k))
            if os.pwritev(fd, [buf], offset + k * BS) != BS:
                sys.exit("short write at block %d" % k)
            log.write("%d\n" % k)
            log.flush()
    os.close(fd)


def seqcheck(dev, offset, count, n0, n1):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BS)
    zero = bytes(BS)
    present = 0
    for k in range(count):
        if os.preadv(fd, [buf], offset + k * BS) != BS:
            sys.exit("short read at block %d" % k)
        data = bytes(buf)
        if data == pattern(k) and present == k:
            present += 1
        elif data != zero:
            sys.exit("block %d is neither its pattern after a prefix of %d nor zeros"
                     % (k, present))
    os.close(fd)
    print(present)
    if not n0 <= present <= n1 + 1:
        sys.exit("%d blocks in the snapshot; %d were acknowledged before it began, "
                 "%d before it ended" % (present, n0, n1))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "seqwrite":
        seqwrite(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd == "seqcheck":
        seqcheck(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

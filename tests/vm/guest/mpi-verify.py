#!/usr/bin/env python3
"""Collectives whose every result byte is checked, for the two-host MPI check.

Run under mpirun (any number of ranks). For each message size, with fresh
buffers each round (so that ODP regions are registered and faulted anew):

  Allreduce  int64 SUM: rank r contributes a[j] = j * (r + 1) + r, so the
             answer is j * R(R+1)/2 + R(R-1)/2 for every element j;
  Alltoall   the block rank s sends to rank d is a 256-byte ramp rotated
             by (37 s + 11 d) mod 256, repeated; every block is compared;
  Sendrecv   around the ring, the same kind of pattern, both directions.

Usage: mpi-verify.py [--rounds N] [--system] SIZE... (bytes; default
4096 65536 1048576). --system: every rank calls system("true") before each
round, forking while its registered buffers are live (the fork churn of
tests/vm/guest/mpi-two-hosts).

Each rank prints one line per size and a closing line with the bytes it
sent; any wrong byte makes the rank print where and abort the job, so
mpirun exits non-zero. Only the standard library and mpi4py are used (no
numpy): buffers are array/bytearray objects passed with explicit types.
"""
import argparse
import array
import os

from mpi4py import MPI

RAMP = bytes(range(256))


def pattern(s, d, nbytes):
    rot = (37 * s + 11 * d) % 256
    one = RAMP[rot:] + RAMP[:rot]
    return (one * (nbytes // 256 + 1))[:nbytes]


def fail(comm, what):
    print(f"verify: rank {comm.rank}: WRONG {what}", flush=True)
    comm.Abort(1)


def first_diff(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return i, g, w
    return len(want), None, None


def main():
    comm = MPI.COMM_WORLD
    me, size = comm.rank, comm.size
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--system", action="store_true")
    ap.add_argument("sizes", type=int, nargs="*", default=[4096, 65536, 1 << 20])
    args = ap.parse_args()
    sizes, rounds = args.sizes, args.rounds
    forks = 0
    sent = 0
    for nbytes in sizes:
        n = max(nbytes // 8, 1)
        for _ in range(rounds):
            if args.system:
                if os.system("true") != 0:
                    fail(comm, "system(\"true\") failed")
                forks += 1
            a = array.array('q', range(me, n * (me + 1) + me, me + 1))
            b = array.array('q', bytes(8 * n))
            comm.Allreduce([a, MPI.INT64_T], [b, MPI.INT64_T], op=MPI.SUM)
            k = size * (size + 1) // 2
            c = size * (size - 1) // 2
            want = array.array('q', range(c, k * n + c, k))
            if b != want:
                i, g, w = first_diff(b, want)
                fail(comm, f"Allreduce {8 * n} bytes: element {i} is {g}, want {w}")
            sent += 8 * n

            blk = max(nbytes // size, 256)
            out = bytearray(b''.join(pattern(me, d, blk) for d in range(size)))
            inb = bytearray(blk * size)
            comm.Alltoall([out, MPI.BYTE], [inb, MPI.BYTE])
            for s in range(size):
                got = inb[s * blk:(s + 1) * blk]
                want = pattern(s, me, blk)
                if got != want:
                    i, g, w = first_diff(got, want)
                    fail(comm, f"Alltoall block from rank {s}, {blk} bytes: byte {i} is {g}, want {w}")
            sent += blk * (size - 1)

            right, left = (me + 1) % size, (me - 1) % size
            out = bytearray(pattern(me, right, nbytes))
            inb = bytearray(nbytes)
            comm.Sendrecv([out, MPI.BYTE], right, 7, [inb, MPI.BYTE], left, 7)
            want = pattern(left, me, nbytes)
            if inb != want:
                i, g, w = first_diff(inb, want)
                fail(comm, f"Sendrecv {nbytes} bytes from rank {left}: byte {i} is {g}, want {w}")
            sent += nbytes
        print(f"verify: rank {me}: {nbytes} bytes: Allreduce, Alltoall, Sendrecv x{rounds} ok", flush=True)
    comm.Barrier()
    print(f"verify: rank {me} of {size}: all results correct, sent {sent} bytes, {forks} forks", flush=True)


if __name__ == "__main__":
    main()

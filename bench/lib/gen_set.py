#!/usr/bin/env python3
"""Deterministic data sets for bench/peers.sh (same seed, same bytes).

  gen_set.py set DIR MB SEED          the set: half compressible (an SQL dump,
                                      mails, text documents), half random (a
                                      video, an archive, photos)
  gen_set.py change DIR MB SEED NIGHT 1 % of the set changed: blocks rewritten
                                      in place inside the 3 big files (4/5 of
                                      the change) and 100 new mails (1/5)
  gen_set.py files DIR COUNT SEED     COUNT small text files (100-1500 bytes)
                                      in folders of 1000

The big files are db/dump.sql (1/4 of the set), media/video.bin (1/4) and
media/archive.bin (1/8); mail/ holds 1/8 in files of 2-40 KiB, docs/ 1/8 in
files of 8-128 KiB, photos/ 1/8 in files of 1-4 MiB (smaller for tiny sets).
"""
import os
import random
import sys

MIB = 1024 * 1024
BIG = ("db/dump.sql", "media/video.bin", "media/archive.bin")


def vocabulary(rng, n=4000):
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    weights = [12, 9, 8, 8, 7, 7, 6, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    return ["".join(rng.choices(letters, weights, k=rng.randint(2, 11))) for _ in range(n)]


class Text:
    """Compressible text of three kinds, all from one seeded generator."""

    def __init__(self, rng):
        self.rng = rng
        self.words = vocabulary(rng)

    def prose(self, size):
        out, n = [], 0
        while n < size:
            line = " ".join(self.rng.choices(self.words, k=self.rng.randint(6, 16))) + ".\n"
            out.append(line)
            n += len(line)
        return "".join(out).encode()[:size]

    def sql(self, size):
        r, w, out, n = self.rng, self.words, [], 0
        while n < size:
            line = "INSERT INTO `oc_filecache` VALUES (%d,%d,'files/%s/%s.%s',%d,%d,'%032x','%s');\n" % (
                r.randrange(10**9), r.randrange(10**4), r.choice(w), r.choice(w),
                r.choice(("jpg", "odt", "pdf", "md", "txt")), r.randrange(10**8),
                1600000000 + r.randrange(10**8), r.getrandbits(128), " ".join(r.choices(w, k=4)))
            out.append(line)
            n += len(line)
        return "".join(out).encode()[:size]

    def mail(self, size, i):
        r, w = self.rng, self.words
        head = (("Return-Path: <%s@example.org>\nMessage-ID: <%d.%x@mail.example.org>\n"
                "Date: Mon, %d Jan 2024 %02d:%02d:00 +0000\nFrom: %s <%s@example.org>\n"
                "To: alice@main.test\nSubject: %s\nContent-Type: text/plain; charset=utf-8\n\n") % (
            r.choice(w), i, r.getrandbits(48), 1 + i % 28, r.randrange(24), r.randrange(60),
            r.choice(w).title(), r.choice(w), " ".join(r.choices(w, k=5)))).encode()
        return (head + self.prose(max(size - len(head), 1)))[:size]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_big(path, size, chunk):
    """A big file from chunk(n) calls, 8 MiB at a time."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 8 * MIB)
            f.write(chunk(n))
            left -= n


def fill(dirname, total, lo, hi, make):
    """Files of lo..hi bytes (scaled down when total is small) until total."""
    hi = max(1, min(hi, total // 8 or 1))
    lo = max(1, min(lo, hi))
    i, left = 0, total
    while left > 0:
        n = min(left, random_size(lo, hi))
        make(os.path.join(dirname, "%03d" % (i // 1000), "%06d" % i), n, i)
        left -= n
        i += 1


_size_rng = random.Random(0)


def random_size(lo, hi):
    return _size_rng.randint(lo, hi)


def make_set(root, mb, seed):
    global _size_rng
    rng = random.Random(seed)
    _size_rng = random.Random(seed + 1)
    text = Text(rng)
    total = mb * MIB
    write_big(os.path.join(root, BIG[0]), total // 4, text.sql)
    write_big(os.path.join(root, BIG[1]), total // 4, rng.randbytes)
    write_big(os.path.join(root, BIG[2]), total // 8, rng.randbytes)
    fill(os.path.join(root, "mail"), total // 8, 2048, 40 * 1024,
         lambda p, n, i: write(p + ".eml", text.mail(n, i)))
    fill(os.path.join(root, "docs"), total // 8, 8192, 128 * 1024,
         lambda p, n, i: write(p + ".md", text.prose(n)))
    rest = total - 2 * (total // 4) - 3 * (total // 8)
    fill(os.path.join(root, "photos"), rest, MIB, 4 * MIB,
         lambda p, n, i: write(p + ".jpg", rng.randbytes(n)))


def change(root, mb, seed, night):
    rng = random.Random(seed * 1000003 + night)
    text = Text(rng)
    step = mb * MIB // 100
    block = max(1, (step * 4 // 5) // 12)
    for name in BIG:
        path = os.path.join(root, name)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            for _ in range(4):
                off = rng.randrange(max(1, size - block))
                f.seek(off)
                f.write(text.sql(block) if name.endswith(".sql") else rng.randbytes(block))
    small = max(1, (step // 5) // 100)
    for i in range(100):
        write(os.path.join(root, "mail", "new", "n%03d-%03d.eml" % (night, i)), text.mail(small, night * 1000 + i))


def files(root, count, seed):
    rng = random.Random(seed)
    text = Text(rng)
    for i in range(count):
        write(os.path.join(root, "%03d" % (i // 1000), "f%06d.txt" % i), text.prose(rng.randint(100, 1500)))


def main(argv):
    try:
        if argv[1] == "set" and len(argv) == 5:
            make_set(argv[2], int(argv[3]), int(argv[4]))
        elif argv[1] == "change" and len(argv) == 6:
            change(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
        elif argv[1] == "files" and len(argv) == 5:
            files(argv[2], int(argv[3]), int(argv[4]))
        else:
            raise IndexError
    except (IndexError, ValueError):
        sys.exit("usage: gen_set.py set DIR MB SEED | change DIR MB SEED NIGHT | files DIR COUNT SEED")


if __name__ == "__main__":
    main(sys.argv)

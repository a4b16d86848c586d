#!/usr/bin/env python3
"""Rebuild one part's .tar from a repository of format v2, written from
doc/repository-format.md alone. It shares no code with the C helper:
BLAKE2b from hashlib, ChaCha20-Poly1305 from python3-cryptography (HChaCha20
written out below for XChaCha20), zstd from python3-zstandard; only Argon2id
is borrowed from libsodium (ctypes); Argon2id and HChaCha20 come from
tests/unit/vectors/refcrypto.py, shared with reference-decrypt.py.

usage: repo_rebuild.py [--check-chunks] PASSWORD_OR_KEY_FILE REPO PART > PART.tar

--check-chunks also cuts every rebuilt file with the FastCDC of the document
and checks that the cuts are the chunks the index lists (slow: pure Python).
Exit status: 0 ok, 4 wrong password or key, 6 damaged, 7 unknown format.
"""
import hashlib
import hmac
import os
import struct
import sys

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "vectors"))
from refcrypto import argon2id, hchacha20  # noqa: E402

MIN, AVG, MAX = 65536, 262144, 1048576
MASK_S, MASK_L = 0xFFFFF00000000000, 0xFFFF000000000000
KEY_CHECK_LABEL = b"fallback archive key-check v1"


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def damaged(message):
    return Refused(6, message)


def H(n, data, key=b""):
    return hashlib.blake2b(data, digest_size=n, key=key).digest()


def xchacha20poly1305_decrypt(key, nonce24, ciphertext, ad):
    sub = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(sub).decrypt(b"\0" * 4 + nonce24[16:], ciphertext, ad)


def kdf(key, i):
    return hashlib.blake2b(b"", digest_size=32, key=key, salt=i.to_bytes(8, "little") + bytes(8),
                           person=b"fbrepov2" + bytes(8)).digest()


def padme(n):
    e = n.bit_length() - 1
    s = e.bit_length()
    z = e - s
    return (n + (1 << z) - 1) & ~((1 << z) - 1)


def read_config(repo):
    lines = open(os.path.join(repo, "config"), "rb").read().split(b"\n")
    if lines[0] != b"fallback-repository 2":
        raise Refused(7, "unknown repository version")
    if len(lines) != 5 or lines[4] != b"":
        raise damaged("config: not four lines")
    f = lines[1].split(b" ")
    if len(f) != 5 or f[:2] != [b"kdf", b"argon2id13"]:
        raise Refused(7, "config: unsupported kdf line")
    if lines[3] != b"chunker fastcdc %d %d %d" % (MIN, AVG, MAX):
        raise Refused(7, "config: unsupported chunker")
    if not lines[2].startswith(b"key-check "):
        raise damaged("config: no key-check")
    return int(f[2]), int(f[3]), bytes.fromhex(f[4].decode()), bytes.fromhex(lines[2][10:].decode())


def archive_key(secret_path, repo):
    ops, mem, salt, check = read_config(repo)
    data = open(secret_path, "rb").read()
    if data[:8] == b"FBKKEY\x00\x01":
        if len(data) != 96 or H(16, data[:80]) != data[80:]:
            raise damaged("key file damaged")
        k_ops, k_mem = struct.unpack("<QQ", data[16:32])
        if data[32:48] != salt or (k_ops, k_mem) != (ops, mem):
            raise Refused(4, "key file salt or costs differ from the repository's")
        key = data[48:80]
    else:
        password = data.split(b"\n", 1)[0]
        try:
            key = argon2id(password, salt, ops, mem)
        except RuntimeError as e:
            raise Refused(1, str(e)) from e
    if not hmac.compare_digest(H(16, KEY_CHECK_LABEL, key), check):
        raise Refused(4, "wrong password or key (key check failed)")
    return key


def read_part_record(repo, part, kmac):
    text = open(os.path.join(repo, "parts", part), "rb").read()
    if not text.endswith(b"\n"):
        raise damaged("part record: no final newline")
    lines = text[:-1].split(b"\n")
    if lines[0] != b"fallback-part 2":
        raise Refused(7, "part record of an unknown version")
    if not lines[-1].startswith(b"mac "):
        raise damaged("part record: the last line is not the mac")
    body = text[:len(text) - len(lines[-1]) - 1]
    if not hmac.compare_digest(H(32, body, kmac).hex().encode(), lines[-1][4:]):
        raise damaged("part record fails authentication (MAC)")
    if lines[1] != b"name " + part.encode():
        raise damaged("the part record names another part")
    if not lines[2].startswith(b"night "):
        raise damaged("part record: no night line")
    index, packs = [], []
    for line in lines[3:-1]:
        f = line.split(b" ")
        if f[0] == b"index" and len(f) == 2:
            index.append(bytes.fromhex(f[1].decode()))
        elif f[0] == b"pack" and len(f) == 3:
            packs.append((f[1].decode(), int(f[2])))
        else:
            raise damaged("part record: unexpected line")
    return index, packs


def read_packs(repo, packs):
    """id -> (path, offset, length) for every blob of the listed packs."""
    where = {}
    for name, size in packs:
        path = os.path.join(repo, "packs", name[:2], name)
        try:
            data = open(path, "rb").read()
        except FileNotFoundError:
            raise damaged("pack %s is missing" % path)
        if len(data) != size:
            raise damaged("pack %s is not of its size" % path)
        if H(32, data).hex() != name:
            raise damaged("pack %s: its BLAKE2b is not its name" % path)
        if data[:8] != b"FBKPAK\x00\x02":
            raise Refused(7, "pack %s: unknown magic" % path)
        n = int.from_bytes(data[-4:], "little")
        table = len(data) - 4 - 40 * n
        if n < 1 or table < 8:
            raise damaged("pack %s: bad blob count" % path)
        offset = 8
        for i in range(n):
            e = data[table + 40 * i:table + 40 * (i + 1)]
            off, length = struct.unpack("<II", e[32:])
            if off != offset or not 45 <= length <= padme(5 + MAX) + 40:
                raise damaged("pack %s: bad table" % path)
            where[e[:32]] = (path, off, length)
            offset += length
        if offset != table:
            raise damaged("pack %s: blobs do not end at the table" % path)
    return where


class Blobs:
    def __init__(self, where, kid, kenc):
        self.where, self.kid, self.kenc = where, kid, kenc
        self.zstd = zstandard.ZstdDecompressor()

    def chunk(self, blob_id):
        if blob_id not in self.where:
            raise damaged("blob %s is in none of the part's packs" % blob_id.hex())
        path, off, length = self.where[blob_id]
        with open(path, "rb") as f:
            f.seek(off)
            blob = f.read(length)
        try:
            p = xchacha20poly1305_decrypt(self.kenc, blob[:24], blob[24:], blob_id)
        except InvalidTag:
            raise damaged("blob %s fails authentication" % blob_id.hex())
        method, n = p[0], int.from_bytes(p[1:5], "little")
        if n > len(p) - 5 or padme(5 + n) != len(p) or any(p[5 + n:]):
            raise damaged("blob %s: bad payload length or padding" % blob_id.hex())
        payload = p[5:5 + n]
        if method == 0:
            chunk = payload
        elif method == 1:
            chunk = self.zstd.decompress(payload, max_output_size=MAX)
        else:
            raise damaged("blob %s: unknown method" % blob_id.hex())
        if len(chunk) > MAX or H(32, chunk, self.kid) != blob_id:
            raise damaged("blob %s holds content of another id" % blob_id.hex())
        return chunk


def gear_table(kchunk):
    return [int.from_bytes(H(8, bytes([b]), kchunk), "little") for b in range(256)]


def fastcdc_cut(gear, data, start, n):
    if n <= MIN:
        return n
    n = min(n, MAX)
    normal = min(AVG, n)
    h = 0
    for i in range(MIN, normal):
        h = ((h << 1) + gear[data[start + i]]) & 0xFFFFFFFFFFFFFFFF
        if h & MASK_S == 0:
            return i + 1
    for i in range(normal, n):
        h = ((h << 1) + gear[data[start + i]]) & 0xFFFFFFFFFFFFFFFF
        if h & MASK_L == 0:
            return i + 1
    return n


def check_cuts(gear, content, lengths):
    pos, want = 0, []
    while pos < len(content):
        k = fastcdc_cut(gear, content, pos, len(content) - pos)
        want.append(k)
        pos += k
    if want != lengths:
        raise Refused(1, "the chunker of the document cuts %s, the index has %s" % (want, lengths))


class Index:
    """The index stream, read from its chunks as it is needed."""

    def __init__(self, blobs, ids):
        self.blobs, self.ids, self.buf, self.next = blobs, ids, b"", 0

    def take(self, n):
        while len(self.buf) < n:
            if self.next == len(self.ids):
                raise damaged("part index ends inside a record")
            self.buf += self.blobs.chunk(self.ids[self.next])
            self.next += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def at_end(self):
        return self.buf == b"" and self.next == len(self.ids)


def rebuild(index_ids, blobs, out, gear=None):
    index = Index(blobs, index_ids)
    if index.take(8) != b"FBKIDX\x00\x02":
        raise Refused(7, "part index of an unknown format")
    written, files = 0, 0
    while True:
        kind = index.take(1)
        if kind == b"L":
            n = int.from_bytes(index.take(4), "little")
            if not 1 <= n <= 1 << 20:
                raise damaged("literal of an impossible length")
            out.write(index.take(n))
            written += n
        elif kind == b"F":
            size, k = struct.unpack("<QI", index.take(12))
            got, lengths, content = 0, [], bytearray()
            for _ in range(k):
                chunk = blobs.chunk(index.take(32))
                out.write(chunk)
                got += len(chunk)
                lengths.append(len(chunk))
                if gear is not None:
                    content += chunk
            if got != size:
                raise damaged("a file's chunks do not add up to its size")
            if gear is not None:
                check_cuts(gear, bytes(content), lengths)
            written += size
            files += 1
        elif kind == b"E":
            if int.from_bytes(index.take(8), "little") != written or not index.at_end():
                raise damaged("bad end record")
            return written, files
        else:
            raise damaged("a record of an unknown type")


def main(argv):
    check = "--check-chunks" in argv
    args = [a for a in argv if a != "--check-chunks"]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    secret, repo, part = args
    try:
        key = archive_key(secret, repo)
        kchunk, kid, kenc, kmac = (kdf(key, i) for i in (1, 2, 3, 4))
        index_ids, packs = read_part_record(repo, part, kmac)
        blobs = Blobs(read_packs(repo, packs), kid, kenc)
        written, files = rebuild(index_ids, blobs, sys.stdout.buffer,
                                 gear_table(kchunk) if check else None)
    except Refused as e:
        print("repo_rebuild.py: %s" % e, file=sys.stderr)
        return e.status
    print("repo_rebuild.py: %d bytes, %d files%s" % (written, files,
          ", every cut as the document says" if check else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

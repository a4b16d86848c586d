#!/usr/bin/env python3
"""Reference decryptor for the fallback archive format v1, written from
doc/encryption-format.md alone. It shares no code with the C helper: ChaCha20
and Poly1305 come from python3-cryptography, HChaCha20 is written out below,
BLAKE2b from hashlib; only Argon2id is borrowed from libsodium (ctypes).
Argon2id and HChaCha20 are in refcrypto.py beside this file.

usage: reference-decrypt.py PASSWORD_FILE ARCHIVE > PLAINTEXT
"""
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.poly1305 import Poly1305

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refcrypto import argon2id, hchacha20  # noqa: E402

MAGIC = b"FBKENC\x00\x01"
HEADER, CHUNK = 88, 65536
RECORD = CHUNK + 17
TAG_MESSAGE, TAG_FINAL = 0, 3


def chacha20(key, nonce12, block_counter, data):
    nonce16 = struct.pack("<I", block_counter) + nonce12
    return Cipher(algorithms.ChaCha20(key, nonce16), mode=None).encryptor().update(data)


def pad16(n):
    return b"\x00" * ((16 - n % 16) % 16)


class Stream:
    def __init__(self, key, header24):
        self.k = hchacha20(key, header24[:16])
        self.counter = 1
        self.inonce = header24[16:]

    def nonce(self):
        return struct.pack("<I", self.counter) + self.inonce

    def pull(self, rec, ad):
        if len(rec) < 17:
            return None
        c, mac = rec[1:-16], rec[-16:]
        poly = Poly1305(chacha20(self.k, self.nonce(), 0, b"\x00" * 64)[:32])
        block = bytearray(chacha20(self.k, self.nonce(), 1, b"\x00" * 64))
        tag = block[0] ^ rec[0]
        block[0] = rec[0]
        # libsodium pads the ciphertext with (len(c) % 16) zero bytes, not
        # to a multiple of 16: (0x10 - 64 + mlen) & 0xf in its source.
        poly.update(ad + pad16(len(ad)) + bytes(block) + c + b"\x00" * (len(c) % 16)
                    + struct.pack("<QQ", len(ad), 64 + len(c)))
        if not hmac.compare_digest(poly.finalize(), mac):
            return None
        m = chacha20(self.k, self.nonce(), 2, c)
        self.inonce = bytes(a ^ b for a, b in zip(self.inonce, mac[:8]))
        self.counter = (self.counter + 1) & 0xFFFFFFFF
        if tag & 2 or self.counter == 0:
            new = chacha20(self.k, self.nonce(), 0, b"\x00" * 40)
            self.k, self.inonce, self.counter = new[:32], new[32:], 1
        return tag, m


def main(pass_path, archive_path):
    password = open(pass_path, "rb").read().split(b"\n", 1)[0]
    data = open(archive_path, "rb").read()
    hdr = data[:HEADER]
    if len(hdr) < HEADER or hdr[:8] != MAGIC:
        sys.exit("bad or truncated header")
    version, kdf, aead, log2 = hdr[8], hdr[9], hdr[10], hdr[11]
    flags, ops, mem = struct.unpack("<IQQ", hdr[12:32])
    if (version, kdf, aead, log2, flags) != (1, 1, 1, 16, 0) or not (1 <= ops <= 10) \
            or not (8192 <= mem <= 1 << 30) or mem % 1024:
        sys.exit("unsupported header")
    key = argon2id(password, hdr[32:48], ops, mem)
    check = hashlib.blake2b(b"fallback archive key-check v1", digest_size=16, key=key).digest()
    if not hmac.compare_digest(check, hdr[48:64]):
        sys.exit("wrong password")
    st, pos, ad, out = Stream(key, hdr[64:88]), HEADER, hdr, sys.stdout.buffer
    while True:
        rec = data[pos:pos + RECORD]
        got = st.pull(rec, ad) if rec else None
        if got is None:
            sys.exit("damaged or truncated")
        tag, m = got
        pos += len(rec)
        if tag == TAG_FINAL:
            if pos != len(data):
                sys.exit("trailing data")
            out.write(m)
            return
        if tag != TAG_MESSAGE or len(rec) != RECORD:
            sys.exit("unexpected tag or short record")
        out.write(m)
        ad = b""


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

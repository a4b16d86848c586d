"""Primitives shared by the reference readers written from the documents
alone (reference-decrypt.py for doc/encryption-format.md,
tests/bats/repo_rebuild.py for doc/repository-format.md). Nothing here
comes from the C helper: Argon2id is borrowed from libsodium through
ctypes, HChaCha20 is written out from its definition."""
import ctypes
import ctypes.util
import struct


def argon2id(password, salt, ops, mem):
    """The 32-byte Argon2id13 key of PASSWORD; RuntimeError when it fails."""
    lib = ctypes.CDLL(ctypes.util.find_library("sodium"))
    if lib.sodium_init() < 0:
        raise RuntimeError("libsodium cannot start")
    out = ctypes.create_string_buffer(32)
    rc = lib.crypto_pwhash(out, ctypes.c_ulonglong(32), password, ctypes.c_ulonglong(len(password)),
                           salt, ctypes.c_ulonglong(ops), ctypes.c_size_t(mem), ctypes.c_int(2))
    if rc != 0:
        raise RuntimeError("argon2id failed")
    return out.raw


def rotl(v, n):
    return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))


def hchacha20(key, inp16):
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", inp16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))

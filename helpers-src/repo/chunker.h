/* chunker.h - keyed FastCDC (doc/repository-format.md, "Chunks").
 *
 * Normalised chunking, level 2, 64 KiB / 256 KiB / 1 MiB, with a Gear
 * table derived from the chunker key: G[b] = le64(BLAKE2b-64(key, b)). */
#ifndef FB_CHUNKER_H
#define FB_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#define CHUNK_MIN ((size_t)64 * 1024)
#define CHUNK_AVG ((size_t)256 * 1024)
#define CHUNK_MAX ((size_t)1024 * 1024)
#define CHUNK_MASK_S UINT64_C(0xFFFFF00000000000)   /* top 20 bits */
#define CHUNK_MASK_L UINT64_C(0xFFFF000000000000)   /* top 16 bits */

struct chunker {
    uint64_t gear[256];
};

void chunker_init(struct chunker *c, const unsigned char key[32]);

/* Length of the next chunk of data, n the bytes left in the file (only the
 * first min(n, CHUNK_MAX) are read). 0 only when n is 0. */
size_t chunker_cut(const struct chunker *c, const unsigned char *data, size_t n);

#endif

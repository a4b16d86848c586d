/* le.h - unsigned little-endian integers of 1 to 8 bytes, as every format
 * of the helper stores them (doc/encryption-format.md,
 * doc/repository-format.md). */
#ifndef FB_LE_H
#define FB_LE_H

#include <stddef.h>
#include <stdint.h>

static inline void
le_put(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t
le_get(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif

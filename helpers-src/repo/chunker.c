/* chunker.c - keyed FastCDC, see chunker.h. */
#include <sodium.h>

#include "chunker.h"

void
chunker_init(struct chunker *c, const unsigned char key[32])
{
    for (unsigned int b = 0; b < 256; b++) {
        unsigned char in = (unsigned char)b, out[8];
        uint64_t v = 0;

        crypto_generichash(out, sizeof out, &in, 1, key, 32);
        for (int i = 7; i >= 0; i--)
            v = (v << 8) | out[i];
        c->gear[b] = v;
    }
}

size_t
chunker_cut(const struct chunker *c, const unsigned char *data, size_t n)
{
    size_t i, normal;
    uint64_t h = 0;

    if (n <= CHUNK_MIN)
        return n;
    if (n > CHUNK_MAX)
        n = CHUNK_MAX;
    normal = n < CHUNK_AVG ? n : CHUNK_AVG;
    for (i = CHUNK_MIN; i < normal; i++) {
        h = (h << 1) + c->gear[data[i]];
        if ((h & CHUNK_MASK_S) == 0)
            return i + 1;
    }
    for (; i < n; i++) {
        h = (h << 1) + c->gear[data[i]];
        if ((h & CHUNK_MASK_L) == 0)
            return i + 1;
    }
    return n;
}

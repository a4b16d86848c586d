/* test_crypt.c - the archive format: round trips, the known-answer vector,
 * and refusal of every kind of damage with the right exit status. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "crypt.h"
#include "fb.h"
#include "keyfile.h"

#define PASSWORD "test password"
#define CHUNK CRYPT_CHUNK_BYTES
#define RECORD CRYPT_RECORD_BYTES
#define HDR CRYPT_HEADER_BYTES

/* Cheapest costs the decoder accepts, so that many derivations stay fast. */
static const struct crypt_kdf fast_kdf = { .opslimit = 1, .memlimit = 8192, .salt = "0123456789abcdef" };

static int
memfd_with(const unsigned char *data, size_t len)
{
    int fd = memfd_create("test", MFD_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, data, len), ==, (ssize_t)len);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

static GBytes *
memfd_take(int fd)
{
    off_t size = lseek(fd, 0, SEEK_END);
    unsigned char *buf = g_malloc(size > 0 ? (size_t)size : 1);

    g_assert_cmpint(pread(fd, buf, (size_t)size, 0), ==, size);
    close(fd);
    return g_bytes_new_take(buf, (size_t)size);
}

static GBytes *
encrypt_bytes(const struct crypt_key *key, const unsigned char *data, size_t len)
{
    g_autoptr(GError) error = NULL;
    int in = memfd_with(data, len), out = memfd_with(NULL, 0);

    g_assert_true(crypt_encrypt_fd(in, out, key, &error));
    g_assert_no_error(error);
    close(in);
    return memfd_take(out);
}

/* Decrypt; returns the exit status (0 or the error code) and the output. */
static int
decrypt_bytes(const struct crypt_secret *secret, const unsigned char *data, size_t len,
              GBytes **plain)
{
    g_autoptr(GError) error = NULL;
    int in = memfd_with(data, len), out = memfd_with(NULL, 0);
    gboolean ok = crypt_decrypt_fd(in, out, secret, &error);
    g_autoptr(GBytes) got = memfd_take(out);

    close(in);
    if (ok) {
        g_assert_no_error(error);
        if (plain != NULL)
            *plain = g_bytes_ref(got);
        return 0;
    }
    g_assert_error(error, FB_ERROR, error->code);
    g_assert_cmpint(error->code, !=, 0);
    g_test_message("refused: %s", error->message);
    return error->code;
}

static int
decrypt_with_password(const unsigned char *data, size_t len, const char *password)
{
    struct crypt_secret s = { .password = (const unsigned char *)password,
                              .password_len = strlen(password) };
    return decrypt_bytes(&s, data, len, NULL);
}

static int
decrypt_with_key(const struct crypt_key *key, const unsigned char *data, size_t len)
{
    struct crypt_secret s = { .key = key };
    return decrypt_bytes(&s, data, len, NULL);
}

static struct crypt_key *
fast_key(void)
{
    g_autoptr(GError) error = NULL;
    struct crypt_key *key = crypt_key_derive((const unsigned char *)PASSWORD, strlen(PASSWORD),
                                             &fast_kdf, &error);
    g_assert_no_error(error);
    g_assert_nonnull(key);
    return key;
}

static unsigned char *
pattern(size_t len)
{
    unsigned char *p = g_malloc(len + 1);

    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 131 + (i >> 16));
    return p;
}

/* The expected size: header + one record per chunk, at least one record. */
static size_t
archive_size(size_t plain)
{
    size_t records = plain == 0 ? 1 : (plain + CHUNK - 1) / CHUNK;

    return HDR + plain + records * 17;
}

static void
test_round_trips(void)
{
    const size_t sizes[] = { 0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * 1024 * 1024 + 5 };
    struct crypt_key *key = fast_key();

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree unsigned char *plain = pattern(sizes[i]);
        g_autoptr(GBytes) enc = encrypt_bytes(key, plain, sizes[i]);
        g_autoptr(GBytes) dec = NULL;
        struct crypt_secret by_pw = { .password = (const unsigned char *)PASSWORD,
                                      .password_len = strlen(PASSWORD) };
        size_t n;
        const unsigned char *e = g_bytes_get_data(enc, &n);

        g_test_message("size %zu", sizes[i]);
        g_assert_cmpuint(n, ==, archive_size(sizes[i]));
        g_assert_cmpint(memcmp(e, CRYPT_MAGIC, 8), ==, 0);
        g_assert_cmpint(decrypt_bytes(&by_pw, e, n, &dec), ==, 0);
        g_assert_cmpmem(g_bytes_get_data(dec, NULL), g_bytes_get_size(dec), plain, sizes[i]);
    }
    crypt_key_free(key);
}

static GBytes *
read_vector(const char *name)
{
    g_autofree char *dir = g_path_get_dirname(__FILE__);
    g_autofree char *path = g_build_filename(dir, "vectors", name, NULL);
    g_autoptr(GError) error = NULL;
    char *data;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, &error));
    g_assert_no_error(error);
    return g_bytes_new_take(data, len);
}

/* The derived key and key-check printed in doc/encryption-format.md. */
static void
check_documented_key(const unsigned char *hdr, const struct crypt_secret *s)
{
    static const char key_hex[] = "119472b0f7fbcfa4db109a92b52d43382790c14d443cfb3f9f7755a2b69e5146";
    static const char check_hex[] = "4a721b9f6e6dd9ca3968a668b37f7fe6";
    struct crypt_kdf kdf = { .opslimit = 2, .memlimit = 64u << 20 };
    g_autoptr(GError) error = NULL;
    struct crypt_key *key;
    unsigned char check[CRYPT_CHECKBYTES];
    char hex[2 * CRYPT_KEYBYTES + 1];

    memcpy(kdf.salt, hdr + 32, CRYPT_SALTBYTES);
    key = crypt_key_derive(s->password, s->password_len, &kdf, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(sodium_bin2hex(hex, sizeof hex, key->key, CRYPT_KEYBYTES), ==, key_hex);
    crypt_key_check_value(key, check);
    g_assert_cmpstr(sodium_bin2hex(hex, sizeof hex, check, CRYPT_CHECKBYTES), ==, check_hex);
    g_assert_cmpmem(hdr + 48, CRYPT_CHECKBYTES, check, CRYPT_CHECKBYTES);
    crypt_key_free(key);
}

static void
test_known_answer(void)
{
    g_autoptr(GBytes) pass = read_vector("crypt-v1.pass");
    g_autoptr(GBytes) plain = read_vector("crypt-v1.plain");
    g_autoptr(GBytes) enc = read_vector("crypt-v1.enc");
    g_autoptr(GBytes) dec = NULL;
    const unsigned char *e = g_bytes_get_data(enc, NULL);
    const char *pw = g_bytes_get_data(pass, NULL);
    struct crypt_secret s = { .password = (const unsigned char *)pw,
                              .password_len = (size_t)(strchr(pw, '\n') - pw) };

    /* Fixed header fields as the document gives them; interactive costs. */
    g_assert_cmpmem(e, 16, "FBKENC\0\1\1\1\1\x10\0\0\0\0", 16);
    g_assert_cmpmem(e + 16, 16, "\2\0\0\0\0\0\0\0\0\0\0\4\0\0\0\0", 16);
    g_assert_cmpuint(g_bytes_get_size(enc), ==, archive_size(g_bytes_get_size(plain)));
    g_assert_cmpint(decrypt_bytes(&s, e, g_bytes_get_size(enc), &dec), ==, 0);
    g_assert_true(g_bytes_equal(dec, plain));
    g_assert_cmpint(decrypt_with_password(e, g_bytes_get_size(enc), "correct horse battery stapl"),
                    ==, FB_EXIT_PASSWORD);
    check_documented_key(e, &s);
}

static void
test_wrong_password(void)
{
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, (const unsigned char *)"secret data", 11);
    size_t n;
    const unsigned char *e = g_bytes_get_data(enc, &n);

    g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, 0);
    g_assert_cmpint(decrypt_with_password(e, n, "test passwore"), ==, FB_EXIT_PASSWORD);
    g_assert_cmpint(decrypt_with_password(e, n, "x"), ==, FB_EXIT_PASSWORD);
    crypt_key_free(key);
}

/* Cut the archive at every header byte, at every record boundary and
 * around it, and at a stride through the records: always 6. */
static void
test_truncation(void)
{
    const size_t len = 3 * CHUNK + 100;
    g_autofree unsigned char *plain = pattern(len);
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, len);
    size_t n;
    const unsigned char *e = g_bytes_get_data(enc, &n);
    GArray *cuts = g_array_new(FALSE, FALSE, sizeof(size_t));

    for (size_t c = 0; c <= HDR; c++)
        g_array_append_val(cuts, c);
    for (size_t r = 1; r <= 3; r++)
        for (size_t d = 0; d < 3; d++) {
            size_t c = HDR + r * RECORD - 1 + d;
            g_array_append_val(cuts, c);
        }
    for (size_t c = HDR + 1; c < n; c += 4099)
        g_array_append_val(cuts, c);
    for (size_t c = n - 17; c < n; c++)
        g_array_append_val(cuts, c);
    for (guint i = 0; i < cuts->len; i++) {
        size_t c = g_array_index(cuts, size_t, i);
        g_test_message("cut at %zu of %zu", c, n);
        g_assert_cmpint(decrypt_with_key(key, e, c), ==, FB_EXIT_CORRUPT);
    }
    g_assert_cmpint(decrypt_with_key(key, e, n), ==, 0);
    g_array_unref(cuts);
    crypt_key_free(key);
}

/* What a flipped header bit must give, decided from the layout alone. */
static int
expected_for_header_flip(const unsigned char *h, size_t pos)
{
    uint64_t ops = 0, mem = 0;

    if (pos < 16)
        return FB_EXIT_FORMAT;
    if (pos >= 64)
        return FB_EXIT_CORRUPT;
    for (int i = 7; i >= 0; i--) {
        ops = ops << 8 | h[16 + i];
        mem = mem << 8 | h[24 + i];
    }
    if (ops < 1 || ops > 10 || mem < 8192 || mem > (UINT64_C(1) << 30) || mem % 1024 != 0)
        return FB_EXIT_FORMAT;
    return FB_EXIT_PASSWORD;   /* salt, key-check, or costs that change the key */
}

static void
test_bit_flips(void)
{
    const size_t len = CHUNK + 500;
    g_autofree unsigned char *plain = pattern(len);
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, len);
    size_t n;
    g_autofree unsigned char *e = g_memdup2(g_bytes_get_data(enc, &n), g_bytes_get_size(enc));

    for (size_t pos = 0; pos < n; pos = pos < HDR + 40 ? pos + 1 : pos + 509) {
        for (int bit = 0; bit < 8; bit += (pos < HDR ? 1 : 3)) {
            e[pos] ^= (unsigned char)(1u << bit);
            int want = pos < HDR ? expected_for_header_flip(e, pos) : FB_EXIT_CORRUPT;
            g_test_message("flip byte %zu bit %d", pos, bit);
            g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, want);
            e[pos] ^= (unsigned char)(1u << bit);
        }
    }
    for (size_t pos = HDR + RECORD - 2; pos < n; pos += 1 + (pos < HDR + RECORD + 2 ? 0 : 200)) {
        e[pos] ^= 0x80;
        g_assert_cmpint(decrypt_with_key(key, e, n), ==, FB_EXIT_CORRUPT);
        e[pos] ^= 0x80;
    }
    e[n - 1] ^= 1;
    g_assert_cmpint(decrypt_with_key(key, e, n), ==, FB_EXIT_CORRUPT);
    e[n - 1] ^= 1;
    g_assert_cmpint(decrypt_with_key(key, e, n), ==, 0);
    crypt_key_free(key);
}

static void
check_trailing(const struct crypt_key *key, size_t len)
{
    g_autofree unsigned char *plain = pattern(len);
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, len);
    size_t n = g_bytes_get_size(enc);
    g_autofree unsigned char *e = g_malloc(2 * n);

    memcpy(e, g_bytes_get_data(enc, NULL), n);
    memcpy(e + n, e, n);
    g_assert_cmpint(decrypt_with_key(key, e, n), ==, 0);
    g_assert_cmpint(decrypt_with_key(key, e, n + 1), ==, FB_EXIT_CORRUPT);
    g_assert_cmpint(decrypt_with_key(key, e, n + 17), ==, FB_EXIT_CORRUPT);
    g_assert_cmpint(decrypt_with_key(key, e, 2 * n), ==, FB_EXIT_CORRUPT);
    /* The final record repeated after itself. */
    size_t last = (n - HDR) % RECORD == 0 ? RECORD : (n - HDR) % RECORD;
    memcpy(e + n, e + n - last, last);
    g_assert_cmpint(decrypt_with_key(key, e, n + last), ==, FB_EXIT_CORRUPT);
}

static void
test_trailing_data(void)
{
    struct crypt_key *key = fast_key();

    check_trailing(key, 0);
    check_trailing(key, 10);
    check_trailing(key, CHUNK);        /* full final record: EOF expected after it */
    check_trailing(key, 2 * CHUNK);
    crypt_key_free(key);
}

static void
test_unknown_format(void)
{
    const struct { size_t pos; unsigned char value; } bad[] = {
        { 0, 'X' }, { 7, 2 }, { 8, 2 }, { 8, 0 }, { 9, 2 }, { 10, 2 }, { 11, 12 }, { 12, 1 }, { 15, 0x80 },
    };
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, (const unsigned char *)"abc", 3);
    size_t n;
    g_autofree unsigned char *e = g_memdup2(g_bytes_get_data(enc, &n), g_bytes_get_size(enc));

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        unsigned char saved = e[bad[i].pos];
        e[bad[i].pos] = bad[i].value;
        g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, FB_EXIT_FORMAT);
        g_assert_cmpint(decrypt_with_key(key, e, n), ==, FB_EXIT_FORMAT);
        e[bad[i].pos] = saved;
    }
    g_assert_cmpint(decrypt_with_password((const unsigned char *)"hello, world", 12, PASSWORD),
                    ==, FB_EXIT_FORMAT);
    g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, 0);
    crypt_key_free(key);
}

static void
set_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Costs above the caps are refused before any derivation: without the cap
 * these would derive (or fail to allocate) and end as 4 or 1, not 7. */
static void
test_huge_costs(void)
{
    const uint64_t costs[][2] = {
        { 11, 8192 }, { 1000000, 8192 }, { UINT64_MAX, 8192 }, { 0, 8192 },
        { 1, (UINT64_C(1) << 30) + 1024 }, { 1, UINT64_C(1) << 40 }, { 1, UINT64_MAX - 1023 },
        { 1, 4096 }, { 1, 8192 + 1 },
    };
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, (const unsigned char *)"abc", 3);
    size_t n;
    g_autofree unsigned char *e = g_memdup2(g_bytes_get_data(enc, &n), g_bytes_get_size(enc));
    struct crypt_kdf huge = fast_kdf;
    g_autoptr(GError) error = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(costs); i++) {
        set_le64(e + 16, costs[i][0]);
        set_le64(e + 24, costs[i][1]);
        g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, FB_EXIT_FORMAT);
    }
    huge.memlimit = UINT64_C(1) << 31;
    g_assert_null(crypt_key_derive((const unsigned char *)"x", 1, &huge, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FORMAT);
    crypt_key_free(key);
}

static void
test_key_file(void)
{
    struct crypt_key *key = fast_key(), *parsed, *other;
    unsigned char file[KEYFILE_BYTES];
    g_autoptr(GBytes) enc = encrypt_bytes(key, (const unsigned char *)"abc", 3);
    g_autoptr(GError) error = NULL;
    struct crypt_kdf kdf2 = fast_kdf;
    size_t n;
    const unsigned char *e = g_bytes_get_data(enc, &n);

    keyfile_serialize(key, file);
    g_assert_true(keyfile_is(file, sizeof file));
    parsed = keyfile_parse(file, sizeof file, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(parsed, sizeof *parsed, key, sizeof *key);
    g_assert_cmpint(decrypt_with_key(parsed, e, n), ==, 0);
    g_assert_cmpint(decrypt_with_password(e, n, PASSWORD), ==, 0);   /* the password alone */

    kdf2.salt[0] ^= 1;   /* same password, another salt */
    other = crypt_key_derive((const unsigned char *)PASSWORD, strlen(PASSWORD), &kdf2, &error);
    g_assert_cmpint(decrypt_with_key(other, e, n), ==, FB_EXIT_PASSWORD);
    other->kdf.salt[0] ^= 1;   /* right salt, wrong key bytes */
    other->key[0] ^= 1;
    g_assert_cmpint(decrypt_with_key(other, e, n), ==, FB_EXIT_PASSWORD);
    other->kdf.opslimit = 2;   /* right salt, other costs */
    g_assert_cmpint(decrypt_with_key(other, e, n), ==, FB_EXIT_PASSWORD);

    for (size_t i = 8; i < sizeof file; i += 7) {
        file[i] ^= 4;
        g_assert_null(keyfile_parse(file, sizeof file, &error));
        g_assert_nonnull(error);
        g_clear_error(&error);
        file[i] ^= 4;
    }
    g_assert_null(keyfile_parse(file, sizeof file - 1, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    g_clear_error(&error);
    file[8] = 2;
    g_assert_null(keyfile_parse(file, sizeof file, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FORMAT);
    crypt_key_free(other);
    crypt_key_free(parsed);
    crypt_key_free(key);
}

static void
test_cost_names(void)
{
    struct crypt_kdf a, b;
    g_autoptr(GError) error = NULL;

    g_assert_true(crypt_kdf_from_cost("interactive", &a, NULL));
    g_assert_cmpuint(a.opslimit, ==, 2);
    g_assert_cmpuint(a.memlimit, ==, 64u << 20);
    g_assert_true(crypt_kdf_from_cost(NULL, &b, NULL));
    g_assert_cmpuint(b.memlimit, ==, 256u << 20);
    g_assert_true(memcmp(a.salt, b.salt, 16) != 0);   /* fresh random salts */
    g_assert_true(crypt_kdf_from_cost("sensitive", &b, NULL));
    g_assert_cmpuint(b.memlimit, ==, 1u << 30);
    g_assert_false(crypt_kdf_from_cost("high", &b, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_USAGE);
}

/* Sizes around the 1 MiB (16-chunk) blocks the streams are read and
 * written in, including several blocks with a partial last one. */
#define BLOCK (16 * CHUNK)

static void
test_io_blocks(void)
{
    const size_t sizes[] = { BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 2 * BLOCK + CHUNK + 5,
                             3 * BLOCK + 5 };
    struct crypt_key *key = fast_key();

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree unsigned char *plain = pattern(sizes[i]);
        g_autoptr(GBytes) enc = encrypt_bytes(key, plain, sizes[i]);
        g_autoptr(GBytes) dec = NULL;
        struct crypt_secret by_key = { .key = key };
        size_t n;
        const unsigned char *e = g_bytes_get_data(enc, &n);

        g_test_message("size %zu", sizes[i]);
        g_assert_cmpuint(n, ==, archive_size(sizes[i]));
        g_assert_cmpint(decrypt_bytes(&by_key, e, n, &dec), ==, 0);
        g_assert_cmpmem(g_bytes_get_data(dec, NULL), g_bytes_get_size(dec), plain, sizes[i]);
    }
    crypt_key_free(key);
}

/* Cuts and flips at and around the block boundaries: always 6. */
static void
test_block_damage(void)
{
    const size_t len = 2 * BLOCK + CHUNK + 7;
    const size_t records[] = { 15, 16, 17, 32, 33 };
    g_autofree unsigned char *plain = pattern(len);
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, len);
    size_t n;
    g_autofree unsigned char *e = g_memdup2(g_bytes_get_data(enc, &n), g_bytes_get_size(enc));

    for (size_t i = 0; i < G_N_ELEMENTS(records); i++) {
        size_t edge = HDR + records[i] * RECORD;

        for (size_t c = edge - 1; c <= edge + 1; c++) {
            g_test_message("cut at %zu of %zu", c, n);
            g_assert_cmpint(decrypt_with_key(key, e, c), ==, FB_EXIT_CORRUPT);
        }
        e[edge] ^= 4;
        g_assert_cmpint(decrypt_with_key(key, e, n), ==, FB_EXIT_CORRUPT);
        e[edge] ^= 4;
        e[edge - 1] ^= 4;
        g_assert_cmpint(decrypt_with_key(key, e, n), ==, FB_EXIT_CORRUPT);
        e[edge - 1] ^= 4;
    }
    g_assert_cmpint(decrypt_with_key(key, e, n), ==, 0);
    check_trailing(key, BLOCK);            /* FINAL ends a full block */
    check_trailing(key, BLOCK - CHUNK);    /* FINAL is the block's last record slot but one */
    check_trailing(key, BLOCK + 3);
    crypt_key_free(key);
}

/* The messages the command prints for a stream cut at a block boundary. */
static void
test_block_messages(void)
{
    g_autofree unsigned char *plain = pattern(BLOCK + 1);
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, BLOCK + 1);
    struct crypt_secret by_key = { .key = key };
    g_autoptr(GError) error = NULL;
    int in = memfd_with(g_bytes_get_data(enc, NULL), HDR + 16 * RECORD);
    int out = memfd_with(NULL, 0);

    g_assert_false(crypt_decrypt_fd(in, out, &by_key, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_CORRUPT);
    g_assert_cmpstr(error->message, ==, "archive truncated: no final record after 16 records");
    close(in);
    close(out);
    crypt_key_free(key);
}

struct feed {
    int fd;
    const unsigned char *data;
    size_t len;
};

/* Write the data in odd small pieces, so the reader gets short reads. */
static gpointer
feed_pipe(gpointer data)
{
    struct feed *f = data;

    for (size_t off = 0; off < f->len;) {
        ssize_t w = write(f->fd, f->data + off, MIN((size_t)4093, f->len - off));
        g_assert_cmpint(w, >, 0);
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static void
test_pipe_input(void)
{
    const size_t len = 2 * BLOCK + 12345;
    g_autofree unsigned char *plain = pattern(len);
    struct crypt_key *key = fast_key();
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) enc = NULL, dec = NULL;
    struct crypt_secret by_key = { .key = key };
    int fds[2], out = memfd_with(NULL, 0);

    g_assert_cmpint(pipe(fds), ==, 0);
    struct feed f = { .fd = fds[1], .data = plain, .len = len };
    GThread *feeder = g_thread_new("feed", feed_pipe, &f);
    g_assert_true(crypt_encrypt_fd(fds[0], out, key, &error));
    g_assert_no_error(error);
    g_thread_join(feeder);
    close(fds[0]);
    enc = memfd_take(out);
    g_assert_cmpuint(g_bytes_get_size(enc), ==, archive_size(len));
    size_t n;
    const unsigned char *e = g_bytes_get_data(enc, &n);
    g_assert_cmpint(decrypt_bytes(&by_key, e, n, &dec), ==, 0);
    g_assert_cmpmem(g_bytes_get_data(dec, NULL), g_bytes_get_size(dec), plain, len);
    crypt_key_free(key);
}

/* A full disk is exit 8 with the system's message, a bad fd exit 1. */
static void
test_write_errors(void)
{
    const size_t len = BLOCK + 5;
    g_autofree unsigned char *plain = pattern(len);
    struct crypt_key *key = fast_key();
    g_autoptr(GBytes) enc = encrypt_bytes(key, plain, len);
    struct crypt_secret by_key = { .key = key };
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    int in, ro = memfd_with(NULL, 0);
    g_autofree char *want = g_strdup_printf("cannot write the output: %s", g_strerror(ENOSPC));

    g_assert_cmpint(full, >=, 0);
    for (int decrypt = 0; decrypt <= 1; decrypt++) {
        g_autoptr(GError) error = NULL;
        in = decrypt ? memfd_with(g_bytes_get_data(enc, NULL), g_bytes_get_size(enc))
                     : memfd_with(plain, len);
        g_assert_false(decrypt ? crypt_decrypt_fd(in, full, &by_key, &error)
                               : crypt_encrypt_fd(in, full, key, &error));
        g_assert_error(error, FB_ERROR, FB_EXIT_NOSPACE);
        g_assert_cmpstr(error->message, ==, want);
        close(in);
    }
    g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", ro);
    int rdonly = open(path, O_RDONLY | O_CLOEXEC);
    g_autoptr(GError) error = NULL;
    in = memfd_with(plain, len);
    g_assert_false(crypt_encrypt_fd(in, rdonly, key, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    close(in);
    close(rdonly);
    close(ro);
    close(full);
    crypt_key_free(key);
}

int
main(int argc, char **argv)
{
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/crypt/round-trips", test_round_trips);
    g_test_add_func("/crypt/known-answer", test_known_answer);
    g_test_add_func("/crypt/wrong-password", test_wrong_password);
    g_test_add_func("/crypt/truncation", test_truncation);
    g_test_add_func("/crypt/bit-flips", test_bit_flips);
    g_test_add_func("/crypt/trailing-data", test_trailing_data);
    g_test_add_func("/crypt/unknown-format", test_unknown_format);
    g_test_add_func("/crypt/huge-costs", test_huge_costs);
    g_test_add_func("/crypt/key-file", test_key_file);
    g_test_add_func("/crypt/cost-names", test_cost_names);
    g_test_add_func("/crypt/io-blocks", test_io_blocks);
    g_test_add_func("/crypt/block-damage", test_block_damage);
    g_test_add_func("/crypt/block-messages", test_block_messages);
    g_test_add_func("/crypt/pipe-input", test_pipe_input);
    g_test_add_func("/crypt/write-errors", test_write_errors);
    return g_test_run();
}

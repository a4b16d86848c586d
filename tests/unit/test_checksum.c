/* test_checksum.c - backup digest: tree and tar agree, what changes it and
 * what does not, refusals, and a known answer computed by an independent
 * Python implementation of the rule in checksum.h. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <sodium.h>

#include "checksum.h"
#include "fb.h"

#define PYTHON "/usr/bin/python3"

/* The rule of checksum.h, re-implemented with hashlib: prints the hex digest. */
static const char reference_py[] =
    "import hashlib, os, stat, sys\n"
    "def H(b): return hashlib.blake2b(b, digest_size=32).digest()\n"
    "def field(b): return len(b).to_bytes(8, 'little') + b\n"
    "root = os.fsencode(sys.argv[1])\n"
    "ents = {}\n"
    "for dp, dns, fns in os.walk(root):\n"
    "    for n in dns + fns:\n"
    "        full = os.path.join(dp, n)\n"
    "        rel = os.path.relpath(full, root)\n"
    "        st = os.lstat(full)\n"
    "        top = b'/' not in rel\n"
    "        if stat.S_ISDIR(st.st_mode):\n"
    "            ents[rel] = (b'd', b'')\n"
    "        elif top and (rel == b'info.json' or rel.endswith((b'.tar', b'.tar.gz', b'.info.json'))):\n"
    "            continue\n"
    "        elif stat.S_ISLNK(st.st_mode):\n"
    "            ents[rel] = (b'l', os.readlink(full))\n"
    "        elif stat.S_ISFIFO(st.st_mode):\n"
    "            ents[rel] = (b'p', b'')\n"
    "        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):\n"
    "            t = b'c' if stat.S_ISCHR(st.st_mode) else b'b'\n"
    "            ents[rel] = (t, b'%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))\n"
    "        elif stat.S_ISSOCK(st.st_mode):\n"
    "            continue\n"
    "        else:\n"
    "            ents[rel] = (b'f', open(full, 'rb').read())\n"
    "m = field(b'fallback-checksum-v1')\n"
    "for p in sorted(ents):\n"
    "    t, data = ents[p]\n"
    "    if t == b'd' and any(q.startswith(p + b'/') for q in ents):\n"
    "        continue\n"
    "    m += field(t) + field(p) + field(len(data).to_bytes(8, 'little')) + field(H(data))\n"
    "print(H(m).hex())\n";

/* python3 -c tarpy SRC OUT FORMAT: a tar as YunoHost writes it (one add() per
 * top-level name, recursive), in Python's default or GNU format. */
static const char tar_py[] =
    "import os, sys, tarfile\n"
    "src, out, fmt = sys.argv[1:4]\n"
    "kw = {'format': tarfile.GNU_FORMAT} if fmt == 'gnu' else {}\n"
    "with tarfile.open(out, 'w', **kw) as t:\n"
    "    for n in sorted(os.listdir(src)):\n"
    "        t.add(os.path.join(src, n), arcname=n)\n";

/* ---- helpers ---- */

static char *
run(const char *const *argv, gboolean must_succeed)
{
    g_autoptr(GError) error = NULL;
    char *out = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
    g_assert_no_error(error);
    if (must_succeed && !g_spawn_check_wait_status(status, &error))
        g_error("%s failed: %s", argv[0], error->message);
    return out;
}

static void
sh(const char *script)
{
    const char *argv[] = { "/bin/sh", "-ec", script, NULL };
    g_free(run(argv, TRUE));
}

static void
put(const char *dir, const char *rel, const char *content, gssize len)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, content, len, &error));
    g_assert_no_error(error);
}

static void
rm_rf(const char *dir)
{
    const char *argv[] = { "/bin/rm", "-rf", dir, NULL };
    g_free(run(argv, TRUE));
}

static char *
digest_hex(const char *path)
{
    g_autoptr(GError) error = NULL;
    unsigned char d[CHECKSUM_BYTES];
    char hex[CHECKSUM_HEX];

    if (!checksum_path(path, d, &error))
        g_error("checksum %s: %s", path, error->message);
    checksum_hex(d, hex);
    return g_strdup(hex);
}

static char *
reference_hex(const char *dir)
{
    const char *argv[] = { PYTHON, "-c", reference_py, dir, NULL };
    char *out = run(argv, TRUE);

    return g_strchomp(out);
}

static GError *
digest_error(const char *path)
{
    GError *error = NULL;
    unsigned char d[CHECKSUM_BYTES];

    g_assert_false(checksum_path(path, d, &error));
    g_assert_nonnull(error);
    return error;
}

static char *
tmpdir(void)
{
    g_autoptr(GError) error = NULL;
    char *d = g_dir_make_tmp("test_checksum.XXXXXX", &error);

    g_assert_no_error(error);
    return d;
}

static char *
long_name(void)
{
    return g_strconcat("apps/app1/backup/", "a-rather-long-directory-name-for-a-backup-test/",
                       "and-another-long-directory-name-below-it/",
                       "file-with-a-long-name-too.conf", NULL);
}

/* A small backup tree like YunoHost collects, with the awkward cases. */
static void
make_tree(const char *dir)
{
    g_autofree char *lname = long_name();
    g_autofree char *target = g_strnfill(140, 't');
    g_autofree char *big = g_malloc(600 * 1024);
    g_autofree char *cmd = NULL;

    g_assert_cmpuint(strlen(lname), >, 100);
    for (gsize i = 0; i < 600 * 1024; i++)
        big[i] = (char)(i % 253);
    put(dir, "info.json", "{\"created_at\": 1735732800}", -1);
    put(dir, "backup.csv", "\"/etc/yunohost/apps/app1\",\"apps/app1/settings\"\n", -1);
    put(dir, "apps/app1/settings/settings.yml", "id: app1\n", -1);
    put(dir, lname, "long\n", -1);
    put(dir, "apps/app1/backup/db.sql", big, 600 * 1024);
    put(dir, "conf/empty", "", 0);
    put(dir, "data/home/\xc3\xa9t\xc3\xa9 na\xc3\xafve.txt", "accents\n", -1);
    put(dir, "data/hard1", "linked content\n", -1);
    cmd = g_strdup_printf("cd '%s' && ln data/hard1 data/hard2 && mkdir -p hooks/restore && "
                          "ln -s '%s' apps/app1/backup/longlink && "
                          "ln -s ../settings/settings.yml apps/app1/backup/rel", dir, target);
    sh(cmd);
}

/* Make OUT from SRC with one of the writers under test. */
static void
make_tar(const char *how, const char *src, const char *out)
{
    g_autofree char *cmd = NULL;

    if (strcmp(how, "python-default") == 0 || strcmp(how, "python-gnu") == 0) {
        const char *argv[] = { PYTHON, "-c", tar_py, src, out,
                               how[7] == 'g' ? "gnu" : "default", NULL };
        g_free(run(argv, TRUE));
        return;
    }
    if (strcmp(how, "gnutar") == 0)
        cmd = g_strdup_printf("tar -C '%s' -cf '%s' .", src, out);
    else if (strcmp(how, "gnutar-posix") == 0)
        cmd = g_strdup_printf("tar --format=posix -C '%s' -cf '%s' .", src, out);
    else   /* no parent directory entries, only files, links, empty dirs */
        cmd = g_strdup_printf("cd '%s' && find . \\( ! -type d -o -empty \\) -print0 | "
                              "tar --null --no-recursion -T - -cf '%s'", src, out);
    sh(cmd);
}

static const char *const writers[] = {
    "gnutar", "gnutar-posix", "gnutar-files-only", "python-default", "python-gnu",
};

/* ---- tests ---- */

static void
test_tree_matches_tars(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *want = NULL;

    make_tree(tree);
    want = digest_hex(tree);
    for (gsize i = 0; i < G_N_ELEMENTS(writers); i++) {
        g_autofree char *out = g_strdup_printf("%s/%s.tar", base, writers[i]);
        make_tar(writers[i], tree, out);
        g_autofree char *got = digest_hex(out);
        if (strcmp(got, want) != 0)
            g_error("%s: tar digest %s, tree digest %s", writers[i], got, want);
    }
    rm_rf(base);
}

static void
test_known_answer(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *ours = NULL, *theirs = NULL;

    make_tree(tree);
    ours = digest_hex(tree);
    theirs = reference_hex(tree);
    g_assert_cmpuint(strlen(theirs), ==, 64);
    g_assert_cmpstr(ours, ==, theirs);
    rm_rf(base);
}

/* Each change, applied to a fresh tree, must change the digest. */
static void
test_changes(void)
{
    static const char *const changes[] = {
        "printf 'X' | dd of=apps/app1/backup/db.sql bs=1 seek=4242 conv=notrunc 2>/dev/null",
        "mv conf/empty conf/empty2",
        "echo new > data/new-file",
        "rm backup.csv",
        "ln -sfn ../settings/other.yml apps/app1/backup/rel",
        "rmdir hooks/restore",
        "mkdir conf/new-empty-dir",
        "echo more >> data/hard2",
        "mkdir sub && echo x > sub/x.tar",
        "chmod 000 hooks/restore && mv hooks/restore hooks/restorX",
    };
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *before = NULL;

    make_tree(tree);
    before = digest_hex(tree);
    for (gsize i = 0; i < G_N_ELEMENTS(changes); i++) {
        rm_rf(tree);
        make_tree(tree);
        g_autofree char *cmd = g_strdup_printf("cd '%s' && %s", tree, changes[i]);
        sh(cmd);
        g_autofree char *after = digest_hex(tree);
        if (strcmp(after, before) == 0)
            g_error("digest unchanged after: %s", changes[i]);
        g_autofree char *ref = reference_hex(tree);
        g_assert_cmpstr(after, ==, ref);
    }
    rm_rf(base);
}

static void
test_noise_ignored(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *before = NULL, *after = NULL, *cmd = NULL;

    make_tree(tree);
    before = digest_hex(tree);
    cmd = g_strdup_printf("cd '%s' && touch -h -d 2001-01-01 backup.csv apps/app1/backup/rel "
                          "hooks/restore && chown -hR 4321:4321 apps && chmod 600 conf/empty && "
                          "echo '{\"created_at\": 1}' > info.json && "
                          "echo tar > 20250101-000000.tar && echo gz > old.tar.gz && "
                          "echo '{}' > 20250101-000000.info.json && ln -s x.tar.gz x.tar", tree);
    sh(cmd);
    after = digest_hex(tree);
    g_assert_cmpstr(after, ==, before);
    rm_rf(base);
}

/* YunoHost leaves NAME.tar inside the collected tree: both agree. */
static void
test_tar_beside_tree(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *out = g_build_filename(tree, "20250101-000000.tar", NULL);
    g_autofree char *t = NULL, *a = NULL;

    make_tree(tree);
    make_tar("python-default", tree, out);
    t = digest_hex(tree);
    a = digest_hex(out);
    g_assert_cmpstr(t, ==, a);
    rm_rf(base);
}

static void
test_field_boundaries(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *one = g_build_filename(base, "one", NULL);
    g_autofree char *two = g_build_filename(base, "two", NULL);
    g_autofree char *d1 = NULL, *d2 = NULL;

    put(one, "a/bc", "same", -1);
    put(two, "ab/c", "same", -1);
    d1 = digest_hex(one);
    d2 = digest_hex(two);
    g_assert_cmpstr(d1, !=, d2);
    rm_rf(base);
}

static void
test_duplicate_member_last_wins(void)
{
    static const char py[] =
        "import io, sys, tarfile\n"
        "with tarfile.open(sys.argv[1], 'w') as t:\n"
        "    for data in (b'first', b'second'):\n"
        "        i = tarfile.TarInfo('f'); i.size = len(data)\n"
        "        t.addfile(i, io.BytesIO(data))\n";
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *out = g_build_filename(base, "dup.tar", NULL);
    const char *argv[] = { PYTHON, "-c", py, out, NULL };
    g_autofree char *d1 = NULL, *d2 = NULL;

    g_free(run(argv, TRUE));
    put(tree, "f", "second", -1);
    d1 = digest_hex(tree);
    d2 = digest_hex(out);
    g_assert_cmpstr(d1, ==, d2);
    rm_rf(base);
}

static void
assert_input_error(const char *path, const char *fragment)
{
    g_autoptr(GError) e = digest_error(path);

    g_assert_error(e, FB_ERROR, FB_EXIT_INPUT);
    if (strstr(e->message, fragment) == NULL)
        g_error("message '%s' lacks '%s'", e->message, fragment);
}

static void
test_damaged_tars(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *good = g_build_filename(base, "good.tar", NULL);
    g_autofree char *cut = g_build_filename(base, "cut.tar", NULL);
    g_autofree char *bad = g_build_filename(base, "bad.tar", NULL);
    g_autofree char *data = NULL, *cmd = NULL;
    gsize len;

    make_tree(tree);
    make_tar("gnutar", tree, good);
    g_assert_true(g_file_get_contents(good, &data, &len, NULL));
    g_assert_true(g_file_set_contents(cut, data, (gssize)(len / 2), NULL));
    assert_input_error(cut, "truncated");
    g_assert_true(g_file_set_contents(cut, data, 1024, NULL));
    assert_input_error(cut, "truncated");
    data[512 + 10] ^= 0x20;   /* a byte in the second header's name */
    g_assert_true(g_file_set_contents(bad, data, (gssize)len, NULL));
    assert_input_error(bad, "bad header checksum");
    cmd = g_strdup_printf("head -c 5000 /dev/urandom > '%s'", bad);
    sh(cmd);
    assert_input_error(bad, "bad header checksum");
    rm_rf(base);
}

static void
test_refused_inputs(void)
{
    static const char py[] =
        "import io, sys, tarfile\n"
        "with tarfile.open(sys.argv[1], 'w') as t:\n"
        "    i = tarfile.TarInfo(sys.argv[2]); i.type = sys.argv[3].encode()\n"
        "    i.linkname = 'nowhere'\n"
        "    t.addfile(i)\n";
    static const char *const cases[][3] = {
        { "../escape", "0", "'..'" }, { "/abs", "0", "absolute" },
        { "hl", "1", "hard link" },
    };
    g_autofree char *base = tmpdir();
    g_autofree char *fifo = g_build_filename(base, "fifo", NULL);
    g_autofree char *out = g_build_filename(base, "x.tar", NULL);
    g_autofree char *missing = g_build_filename(base, "missing", NULL);
    g_autoptr(GError) e = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *argv[] = { PYTHON, "-c", py, out, cases[i][0], cases[i][1], NULL };
        g_free(run(argv, TRUE));
        assert_input_error(out, cases[i][2]);
    }
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    assert_input_error(fifo, "neither a directory nor a regular file");
    e = digest_error(missing);
    g_assert_error(e, FB_ERROR, FB_EXIT_FAIL);
    rm_rf(base);
}

/* Fifos and devices are entries 'p' (no content) and 'c'/'b' (content
 * "MAJOR,MINOR"), read without opening them; sockets are left out, as the
 * tar leaves them out. Tree, reference and every tar writer agree. */
static void
test_special_files(void)
{
    g_autofree char *base = tmpdir();
    g_autofree char *tree = g_build_filename(base, "tree", NULL);
    g_autofree char *cmd = NULL, *want = NULL, *theirs = NULL, *with_dev = NULL;
    gboolean root = geteuid() == 0;

    make_tree(tree);
    want = digest_hex(tree);
    cmd = g_strdup_printf("cd '%s' && mkfifo data/fifo && %s "
                          "/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX)"
                          ".bind(\"data/sock\")'", tree,
                          root ? "mknod data/null c 1 3 && mknod data/loop b 7 200 &&" : "");
    sh(cmd);
    with_dev = digest_hex(tree);
    g_assert_cmpstr(with_dev, !=, want);
    theirs = reference_hex(tree);
    g_assert_cmpstr(with_dev, ==, theirs);
    for (gsize i = 0; i < G_N_ELEMENTS(writers); i++) {
        g_autofree char *out = g_strdup_printf("%s/%s.tar", base, writers[i]);
        make_tar(writers[i], tree, out);
        g_autofree char *got = digest_hex(out);
        if (strcmp(got, with_dev) != 0)
            g_error("%s: tar digest %s, tree digest %s", writers[i], got, with_dev);
    }
    if (root) {   /* another device number, another digest */
        g_free(cmd);
        cmd = g_strdup_printf("cd '%s' && rm data/null && mknod data/null c 1 5", tree);
        sh(cmd);
        g_autofree char *other = digest_hex(tree);
        g_assert_cmpstr(other, !=, with_dev);
        g_free(theirs);
        theirs = reference_hex(tree);
        g_assert_cmpstr(other, ==, theirs);
    }
    rm_rf(base);
}

static void
test_normalise(void)
{
    static const char *const cases[][2] = {
        { "./a/b/", "a/b" }, { "a//b", "a/b" }, { "./", "" }, { ".", "" },
        { "a/./b", "a/b" }, { "././x", "x" }, { "a/../b", NULL }, { "/etc", NULL },
        { "..", NULL }, { "a..b/c", "a..b/c" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = checksum_normalise(cases[i][0]);
        g_assert_cmpstr(got, ==, cases[i][1]);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    umask(022);
    g_test_add_func("/checksum/tree-matches-tars", test_tree_matches_tars);
    g_test_add_func("/checksum/known-answer", test_known_answer);
    g_test_add_func("/checksum/changes", test_changes);
    g_test_add_func("/checksum/noise-ignored", test_noise_ignored);
    g_test_add_func("/checksum/tar-beside-tree", test_tar_beside_tree);
    g_test_add_func("/checksum/field-boundaries", test_field_boundaries);
    g_test_add_func("/checksum/duplicate-member-last-wins", test_duplicate_member_last_wins);
    g_test_add_func("/checksum/damaged-tars", test_damaged_tars);
    g_test_add_func("/checksum/refused-inputs", test_refused_inputs);
    g_test_add_func("/checksum/special-files", test_special_files);
    g_test_add_func("/checksum/normalise", test_normalise);
    return g_test_run();
}

/* test_hex.c - the one reader of the lowercase hex every text format uses. */
#include <string.h>

#include "hex.h"

static void
test_lower(void)
{
    g_assert_true(hex_lower("0a9f", 4, 4));
    g_assert_true(hex_lower("", 0, 0));
    g_assert_false(hex_lower("0a9f", 4, 6));           /* too short */
    g_assert_false(hex_lower("0A9f", 4, 4));           /* upper case */
    g_assert_false(hex_lower("0a9g", 4, 4));           /* not hex */
    g_assert_false(hex_lower("0a 9", 4, 4));           /* a blank */
    g_assert_false(hex_lower("0a\0" "9", 4, 4));       /* a NUL inside */
    g_assert_true(hex_lower("0a9fzz", 4, 4));          /* len bytes only */
}

static void
test_decode(void)
{
    unsigned char out[3] = { 0 };

    g_assert_true(hex_decode("00ff7e", out, 3));
    g_assert_cmpint(out[0], ==, 0x00);
    g_assert_cmpint(out[1], ==, 0xff);
    g_assert_cmpint(out[2], ==, 0x7e);
    g_assert_false(hex_decode("00ff7", out, 3));        /* odd, short */
    g_assert_false(hex_decode("00ff7e00", out, 3));     /* long */
    g_assert_false(hex_decode("00FF7e", out, 3));       /* upper case */
    g_assert_false(hex_decode("00ff:e", out, 3));
    g_assert_false(hex_decode("", out, 3));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hex/lower", test_lower);
    g_test_add_func("/hex/decode", test_decode);
    return g_test_run();
}

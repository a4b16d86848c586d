/* test_valid.c - the input rules of valid.c and the app_list line rule. */
#include <string.h>

#include "config.h"
#include "valid.h"

static void
test_hostnames(void)
{
    static const char *good[] = {
        "localhost", "example.org", "a-b.example.org", "my_host.lan", "xn--bcher-kva.example",
        "a1.b2", "1a.org", "123.example",
    };
    static const char *bad[] = {
        "", "a..b", ".a", "a.", "-a.org", "a-.org", "a b", "a;b", "a/b", "a@b", "a:b",
        "1.2.3.256", "999", "10.0.0", "é.org",
    };
    char label64[80], long_name[300];

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_true(fb_hostname_valid(good[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(fb_hostname_valid(bad[i]));
    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".org");
    g_assert_false(fb_hostname_valid(label64));
    memmove(label64 + 63, label64 + 64, strlen(label64 + 64) + 1);   /* a 63-byte label is fine */
    g_assert_true(fb_hostname_valid(label64));
    for (size_t i = 0; i < 254; i++)
        long_name[i] = i % 2 == 0 ? 'a' : '.';
    long_name[253] = 'a';
    long_name[254] = '\0';       /* 254 bytes: one too many */
    g_assert_false(fb_hostname_valid(long_name));
    long_name[253] = '\0';
    g_assert_true(fb_hostname_valid(long_name));
}

static void
test_hosts_and_ips(void)
{
    g_assert_true(fb_host_valid("127.0.0.3"));
    g_assert_true(fb_host_valid("::1"));
    g_assert_true(fb_host_valid("2001:db8::1"));
    g_assert_true(fb_ip_valid("10.0.0.1"));
    g_assert_false(fb_ip_valid("host.org"));
    g_assert_false(fb_host_valid("1.2.3.256"));
    g_assert_false(fb_host_valid("::g"));
}

static void
test_ports(void)
{
    unsigned int port = 0;

    g_assert_true(fb_port_valid("1", &port));
    g_assert_cmpuint(port, ==, 1);
    g_assert_true(fb_port_valid("65535", &port));
    g_assert_cmpuint(port, ==, 65535);
    static const char *bad[] = { "", "0", "022", "65536", "99999", "123456", "-1", "+22", "22a", " 22" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(fb_port_valid(bad[i], &port));
}

static void
test_mail(void)
{
    static const char *good[] = { "root", "alice@example.org", "first.last+tag@mail.example.org", "a_b=c@x", "a%b@x.org" };
    static const char *bad[] = { "", "-x", "-oQ/tmp/x", "alice@", "@x.org", "a b", "a;b", "a$b", "a@-x.org",
                                 "a@x.org-", "a@b..c", "a@b@c", "a/b" };

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_true(fb_mail_valid(good[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(fb_mail_valid(bad[i]));
}

static void
test_app_list_lines(void)
{
    static const char *good[] = { "[]: a", "[.]: a", "[-]: a", "[.]:a", "[.]: a  ", "# note", "", "   " };
    static const char *bad[] = { "nextcloud", "[x]: a", "[] : a", "[.]: a b", "[.]:", " [.]: a", "[.]: a/b", "[.]: a\nb" };
    const char *why = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_true(fb_app_list_line_valid(good[i], &why));
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        why = NULL;
        g_assert_false(fb_app_list_line_valid(bad[i], &why));
        g_assert_nonnull(why);
    }
}

static void
test_config_keys(void)
{
    const char *why = NULL;

    g_assert_true(fb_config_key_check("ssh_host", "fallback.example.org", &why));
    g_assert_true(fb_config_key_check("pass_file", "", &why));
    g_assert_false(fb_config_key_check("ssh_host", "a..b", &why));
    g_assert_cmpstr(why, ==, "is neither a host name nor an IP address");
    g_assert_false(fb_config_key_check("ssh_port", "022", &why));
    g_assert_false(fb_config_key_check("ssh_key", "relative", &why));
    g_assert_false(fb_config_key_check("nope", "x", &why));
    g_assert_cmpstr(why, ==, "is not a config.conf key");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/valid/hostnames", test_hostnames);
    g_test_add_func("/valid/hosts-and-ips", test_hosts_and_ips);
    g_test_add_func("/valid/ports", test_ports);
    g_test_add_func("/valid/mail", test_mail);
    g_test_add_func("/valid/app-list-lines", test_app_list_lines);
    g_test_add_func("/valid/config-keys", test_config_keys);
    return g_test_run();
}

/* cmd_valid.c - valid: ask whether one value obeys one of the package's rules. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fb.h"
#include "valid.h"

struct rule {
    const char *kind;
    const char *what;   /* said when the value is refused */
    gboolean (*ok)(const char *value, const char **why);
};

static gboolean
ok_app_id(const char *v, const char **why)
{
    (void)why;
    return fb_app_id_valid(v);
}

static gboolean
ok_ip(const char *v, const char **why)
{
    (void)why;
    return fb_ip_valid(v);
}

static gboolean
ok_host(const char *v, const char **why)
{
    (void)why;
    return fb_host_valid(v);
}

static gboolean
ok_port(const char *v, const char **why)
{
    unsigned int port;

    (void)why;
    return fb_port_valid(v, &port);
}

static gboolean
ok_mail(const char *v, const char **why)
{
    (void)why;
    return fb_mail_valid(v);
}

static const struct rule rules[] = {
    { "app-id", "is not a YunoHost app id", ok_app_id },
    { "app-list-line", "is not an app_list line", fb_app_list_line_valid },
    { "host", "is neither a host name nor an IP address", ok_host },
    { "ip", "is not an IPv4 or IPv6 address", ok_ip },
    { "port", "is not a port number from 1 to 65535", ok_port },
    { "mail", "is not a mail address (a local user or user@host)", ok_mail },
};

static void
usage(FILE *out)
{
    fprintf(out, "Usage: fallback valid KIND VALUE\n"
                 "       fallback valid config KEY VALUE\n\n"
                 "Exit 0 when VALUE obeys the rule, 12 with one line saying why not.\n"
                 "KIND: app-id, app-list-line, host, ip, port, mail; config checks\n"
                 "VALUE as the value of KEY in config.conf.\n");
}

static int
refused(const char *kind, const char *value, const char *why)
{
    g_autofree char *shown = fb_display_text(value);

    fprintf(stderr, "fallback: valid: %s '%s': %s\n", kind, shown, why);
    return FB_EXIT_INPUT;
}

int
cmd_valid(int argc, char **argv)
{
    const char *why = NULL;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return FB_EXIT_OK;
    }
    if (argc == 4 && strcmp(argv[1], "config") == 0)
        return fb_config_key_check(argv[2], argv[3], &why) ? FB_EXIT_OK
                                                            : refused(argv[2], argv[3], why);
    for (size_t i = 0; argc == 3 && i < G_N_ELEMENTS(rules); i++)
        if (strcmp(argv[1], rules[i].kind) == 0) {
            why = rules[i].what;
            if (rules[i].ok(argv[2], &why))
                return FB_EXIT_OK;
            return refused(rules[i].kind, argv[2], why);
        }
    usage(stderr);
    return FB_EXIT_USAGE;
}

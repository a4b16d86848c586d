/* valid.h - the rules for the values an admin types: host, port, mail.
 * config.c, app_list.c and `fallback valid` use these and nothing else. */
#ifndef FB_VALID_H
#define FB_VALID_H

#include <glib.h>

/* An IPv4 or IPv6 address as inet_pton reads it. */
gboolean fb_ip_valid(const char *s);

/* A DNS name: dot-separated labels of letters, digits, '-' or '_', 1..63
 * bytes each, none starting or ending with '-', 253 bytes at most, the last
 * label not all digits (so "1.2.3.256" is no name). */
gboolean fb_hostname_valid(const char *s);

/* A host name or an IP address. */
gboolean fb_host_valid(const char *s);

/* A TCP port: 1..65535 in decimal, no sign, no leading zero; *port set. */
gboolean fb_port_valid(const char *s, unsigned int *port);

/* Where a mail may go: a local user or user@host, never read as an option
 * by mail(1) or sendmail (no leading '-'), no blank or shell character. */
gboolean fb_mail_valid(const char *s);

#endif

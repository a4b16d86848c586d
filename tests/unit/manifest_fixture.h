/* manifest_fixture.h - a valid night manifest in its line form, and good()
 * reading it: every part status, object and file line once. Shared by the
 * manifest's unit tests. */
#ifndef FB_TEST_MANIFEST_FIXTURE_H
#define FB_TEST_MANIFEST_FIXTURE_H

#include "fb.h"
#include "manifest.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"

static const char good_lines[] =
    "version 1\n"
    "night 20250102T010000Z\n"
    "created_at 1735779600\n"
    "encrypted 1\n"
    "part system system sent 20250102T010000Z " H1 "\n"
    "object 20250102T010000Z-system.tar.enc 1234 " H2 "\n"
    "part app wordpress unchanged 20250101T010000Z " H3 "\n"
    "object 20250101T010000Z-app_wordpress.tar.enc 99 " H1 "\n"
    "part app nextcloud__2 kept 20241231T010000Z " H2 "\n"
    "object 20241231T010000Z-app_nextcloud__2.tar.enc 0 " H3 "\n"
    "file config.conf 20250102T010000Z-config.conf.enc 300 " H1 "\n"
    "file ip_main_server 20250102T010000Z-ip_main_server 10 " H2 "\n";

static struct fb_manifest *
good(void)
{
    g_autoptr(GError) error = NULL;
    struct fb_manifest *m = fb_manifest_from_lines(good_lines, &error);

    g_assert_no_error(error);
    g_assert_nonnull(m);
    return m;
}

#endif

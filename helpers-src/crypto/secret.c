/* secret.c - passwords from a file, the terminal (no echo) or stdin. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "fdio.h"
#include "secret.h"

/* Set by the handlers installed while echo is off, so the terminal can be
 * restored before the signal takes effect. A signal handler can only reach
 * static storage. */
static volatile sig_atomic_t caught_signal;

static const int echo_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define N_ECHO_SIGNALS G_N_ELEMENTS(echo_signals)

struct secret *
secret_new(void)
{
    struct secret *s = g_new0(struct secret, 1);

    if (sodium_init() < 0 || (s->data = sodium_malloc(SECRET_MAX + 1)) == NULL)
        g_error("secret: cannot allocate secure memory");
    return s;
}

void
secret_free(struct secret *s)
{
    if (s == NULL)
        return;
    sodium_free(s->data);   /* zeroes before releasing */
    g_free(s);
}

struct secret *
secret_from_file(const char *path, GError **error)
{
    struct secret *s;
    g_autofree char *what = g_strdup_printf("pass file %s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    gboolean ok;

    if (fd < 0) {
        fb_sys_error(error, "cannot open", what);
        return NULL;
    }
    s = secret_new();
    ok = fd_read_full(fd, s->data, SECRET_MAX + 1, &s->len, what, error);
    close(fd);
    if (!ok) {
        secret_free(s);
        return NULL;
    }
    return s;
}

struct secret *
secret_line_from_fd(int fd, GError **error)
{
    struct secret *s = secret_new();

    for (;;) {
        unsigned char c;
        ssize_t r = read(fd, &c, 1);

        if (r < 0 && errno == EINTR && !caught_signal)
            continue;
        if (r < 0) {
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "cannot read the password: %s",
                        caught_signal ? "interrupted" : g_strerror(errno));
            secret_free(s);
            return NULL;
        }
        if (r == 0 || c == '\n')
            return s;
        if (s->len == SECRET_MAX) {
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                        "password longer than %d bytes", SECRET_MAX);
            secret_free(s);
            return NULL;
        }
        s->data[s->len++] = c;
    }
}

void
secret_first_line(struct secret *s)
{
    unsigned char *nl = memchr(s->data, '\n', s->len);

    if (nl != NULL) {
        size_t keep = (size_t)(nl - s->data);
        sodium_memzero(nl, s->len - keep);
        s->len = keep;
    }
}

gboolean
secret_to_password(struct secret *s, GError **error)
{
    gboolean has_newline = memchr(s->data, '\n', s->len) != NULL;

    secret_first_line(s);
    if (!has_newline && s->len > SECRET_MAX) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "password longer than %d bytes", SECRET_MAX);
        return FALSE;
    }
    if (s->len == 0) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "empty password refused");
        return FALSE;
    }
    return TRUE;
}

static void
on_signal(int signo)
{
    caught_signal = signo;
}

static void
echo_restore(int fd, const struct termios *saved, const struct sigaction old[N_ECHO_SIGNALS])
{
    tcsetattr(fd, TCSANOW, saved);
    for (size_t i = 0; i < N_ECHO_SIGNALS; i++)
        sigaction(echo_signals[i], &old[i], NULL);
    if (caught_signal)
        raise(caught_signal);
}

/* Echo off (newline still echoed) with handlers that interrupt the read.
 * On failure nothing is left changed and errno says why. */
static gboolean
echo_off(int fd, struct termios *saved, struct sigaction old[N_ECHO_SIGNALS])
{
    struct termios quiet;
    struct sigaction sa;
    int e;

    if (tcgetattr(fd, saved) != 0)
        return FALSE;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;   /* no SA_RESTART: read() returns EINTR */
    sigemptyset(&sa.sa_mask);
    caught_signal = 0;
    for (size_t i = 0; i < N_ECHO_SIGNALS; i++)
        sigaction(echo_signals[i], &sa, &old[i]);
    quiet = *saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    if (tcsetattr(fd, TCSANOW, &quiet) == 0)
        return TRUE;
    e = errno;
    echo_restore(fd, saved, old);
    errno = e;
    return FALSE;
}

static struct secret *
ask(int fd, const char *prompt, GError **error)
{
    struct termios saved;
    struct sigaction old[N_ECHO_SIGNALS];
    struct secret *s;

    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (!echo_off(fd, &saved, old)) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "cannot turn off terminal echo: %s",
                    g_strerror(errno));
        return NULL;
    }
    s = secret_line_from_fd(fd, error);
    echo_restore(fd, &saved, old);
    return s;
}

struct secret *
secret_from_terminal(int fd, const char *prompt, gboolean confirm, GError **error)
{
    struct secret *first = ask(fd, prompt, error), *again;
    gboolean same;

    if (first == NULL || !confirm)
        return first;
    if ((again = ask(fd, "Repeat the password: ", error)) == NULL) {
        secret_free(first);
        return NULL;
    }
    same = first->len == again->len && sodium_memcmp(first->data, again->data, first->len) == 0;
    secret_free(again);
    if (!same) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "the two passwords differ");
        secret_free(first);
        return NULL;
    }
    return first;
}

struct secret *
secret_read_password(const char *path, gboolean confirm, GError **error)
{
    struct secret *s;

    if (path != NULL)
        s = secret_from_file(path, error);
    else if (isatty(STDIN_FILENO))
        s = secret_from_terminal(STDIN_FILENO, "Password: ", confirm, error);
    else
        s = secret_line_from_fd(STDIN_FILENO, error);
    if (s != NULL && !secret_to_password(s, error)) {
        secret_free(s);
        return NULL;
    }
    return s;
}

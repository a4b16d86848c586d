# fallback - build, test and benchmark the helpers and the package.
#
#   make            build build/fallback
#   make deps       install the Debian packages the build and the tests need
#   make check      every test, ending with one line "N passed, N failed"
#   make check-trixie  build, unit and transfer tests on Debian 13 (debootstrap)
#   make demo       the whole failover cycle on the built-in two-host world
#   make bench      benchmarks (not part of check; borgbackup and restic: make deps-bench)
#   make bench-peers  bench/peers.sh alone: ours beside borg, restic and the original
#   make bench-smoke  bench/peers.sh at tiny sizes, checked (tests/bench/peers.bats)
#   make install    install the helper under $(DESTDIR)$(PREFIX)

BUILD   ?= build
PREFIX  ?= /opt/yunohost/fallback
CC      ?= cc
PKGS    := libssh jansson libsodium glib-2.0 libzstd
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lpthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The sources: every .c of helpers-src/'s concern folders (helpers-src/README.md),
# each folder given as -iquote so #include "name.h" needs no path. A file dropped
# in a folder, or a new folder, builds without an edit here; one left at the top
# of helpers-src/ builds too, and tests/src-layout (docs.bats) asks for its folder.
SRCDIRS := $(patsubst %/,%,$(sort $(dir $(wildcard helpers-src/*.[ch] helpers-src/*/*.[ch]))))
SRCS    := $(wildcard $(addsuffix /*.c,$(SRCDIRS)))
HDRS    := $(wildcard $(addsuffix /*.h,$(SRCDIRS)))
INCS    := $(addprefix -iquote ,$(SRCDIRS))
LIBSRCS := $(filter-out helpers-src/cli/main.c,$(SRCS))
OBJS    := $(SRCS:helpers-src/%.c=$(BUILD)/obj/%.o)
SANOBJS := $(LIBSRCS:helpers-src/%.c=$(BUILD)/san/%.o)
UNITS   := $(wildcard tests/unit/test_*.c)
UNITBIN := $(UNITS:tests/unit/%.c=$(BUILD)/tests/%)

DEB_BUILD := build-essential pkg-config libssh-dev libjansson-dev libsodium-dev libglib2.0-dev libzstd-dev
DEB_TEST  := openssh-server openssh-client bats shellcheck python3 python3-yaml jq \
             iproute2 util-linux procps psmisc cron logrotate rsync ccrypt \
             bsd-mailx exim4-daemon-light python3-cryptography python3-zstandard python3-jsonschema bsdutils openssl
DEB_BENCH := time
DEB_PEERS := borgbackup restic iptables

.SECONDARY:
.PHONY: all deps deps-bench check check-unit check-trixie check-scripts bench bench-peers bench-smoke demo sweep install clean shellcheck
all: $(BUILD)/fallback

$(BUILD)/fallback: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: helpers-src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INCS) -c -o $@ $<

$(BUILD)/san/%.o: helpers-src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) $(INCS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(SANOBJS) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(SAN) $(INCS) -o $@ $< $(SANOBJS) $(LDLIBS)

$(BUILD)/tests:
	mkdir -p $@

deps:
	@missing=$$(for p in $(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "all Debian packages present"; fi

# check and demo work on a fresh Debian 12: missing packages first, then the build.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(BUILD)/fallback $(UNITBIN)
	BUILD=$(BUILD) tests/run

check-unit: $(UNITBIN)
	BUILD=$(BUILD) tests/run unit

# Debian 13 in a debootstrapped root under $(BUILD)/trixie (kept for reuse):
# build, unit tests, tests/world/transfer.bats. Root; not part of check.
check-trixie:
	BUILD=$(BUILD) DEB_BUILD='$(DEB_BUILD)' tests/trixie/run

check-scripts: $(BUILD)/fallback
	BUILD=$(BUILD) tests/run scripts

shellcheck:
	BUILD=$(BUILD) tests/run shellcheck

# the peers of bench/peers.sh (Debian 12: borg 1.2, restic 0.14), only for the benchmarks
deps-bench:
	@$(MAKE) --no-print-directory deps DEB_BUILD= DEB_TEST= DEB_BENCH='$(DEB_BENCH) $(DEB_PEERS)'

bench: $(BUILD)/fallback
	@$(MAKE) --no-print-directory deps-bench
	BUILD=$(BUILD) bench/run

# the set's size and the small files' count: BENCH_SET_MB=1024 BENCH_FILES=200000
bench-peers:
	@$(MAKE) --no-print-directory deps-bench
	tests/world/world-gc
	BUILD=$(BUILD) bench/peers.sh

bench-smoke:
	@$(MAKE) --no-print-directory deps-bench
	bats tests/bench/peers.bats

# the long kill -9 sweep of the failover commands (root, Debian 12, about an
# hour): every logged step of each command; figures in $(BUILD)/sweep-report.txt.
# Then fallback_seal killed before every SEAL_STRIDE-th of its some 3,200 steps
# while it stores a v2 night (tests/e2e/nightly_v2.bats, about an hour at the
# default 10; SEAL_STRIDE=1: every step, some nine hours).
SEAL_STRIDE ?= 10
sweep: $(BUILD)/fallback
	tests/world/world-gc
	SWEEP=full SWEEP_REPORT=$(CURDIR)/$(BUILD)/sweep-report.txt BUILD=$(BUILD) \
		FALLBACK_BIN=$(CURDIR)/$(BUILD)/fallback bats tests/e2e/killsweep.bats
	SWEEP=full SEAL_STRIDE=$(SEAL_STRIDE) BUILD=$(BUILD) \
		FALLBACK_BIN=$(CURDIR)/$(BUILD)/fallback bats tests/e2e/nightly_v2.bats

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(BUILD)/fallback
	BUILD=$(BUILD) tests/demo

install: $(BUILD)/fallback
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/fallback $(DESTDIR)$(PREFIX)/bin/fallback

clean:
	rm -rf $(BUILD)

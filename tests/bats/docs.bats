#!/usr/bin/env bats
# The documents match the tree: tests/doc-links finds no link to a file or a
# heading that does not exist, and no Markdown file named that is not there.
bats_require_minimum_version 1.5.0

ROOT=$BATS_TEST_DIRNAME/../..

setup() { T=$(mktemp -d); }
teardown() { rm -rf "$T"; }

@test "docs: every relative link, anchor and Markdown file named in the tree's documents exists" {
    cd "$ROOT"
    run tests/doc-links
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "docs: a missing file, a missing heading and a missing named document are each reported" {
    mkdir -p "$T/doc"
    printf '# Top\n\n## Second part\n' > "$T/doc/there.md"
    printf '%s\n' "# Guide" "See [there](there.md#second-part) and [top](#guide)." \
        "Not [gone](gone.md), nor [that part](there.md#no-such-part)." \
        "Also \`missing.md\` and doc/there.md, and https://example.org/x.md is not a file." \
        '```' "[in a fence](nowhere.md)" '```' > "$T/doc/guide.md"
    cd "$T"
    run "$ROOT/tests/doc-links" doc/guide.md doc/there.md
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ $output == *"doc/guide.md:4: names missing.md: no such file"* ]]
    [[ $output == *"doc/guide.md:3: links to gone.md: no such file"* ]]
    [[ $output == *"doc/guide.md:3: links to there.md#no-such-part: no heading \"no-such-part\""* ]]
}

@test "docs: the README's code map names every script, hook and runtime command" {
    local f readme missing=()
    for readme in README.md README_fr.md; do
        for f in "$ROOT"/scripts/* "$ROOT"/scripts/runtime/* "$ROOT"/hooks/*; do
            [ -f "$f" ] || continue
            f=${f#"$ROOT"/}
            grep -qF "\`$f\`" "$ROOT/$readme" || missing+=("$readme: $f")
        done
    done
    [ "${#missing[@]}" -eq 0 ] || { printf 'not named: %s\n' "${missing[@]}" >&2; return 1; }
}

@test "docs: helpers-src/ is laid out as its README says (folders, files named, includes downward)" {
    run "$ROOT/tests/src-layout" "$ROOT"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "docs: a loose source, an unnamed file, a folder without a section, an upward include and a twin header are each reported" {
    local s=$T/helpers-src
    mkdir -p "$s/top" "$s/low" "$s/extra"
    printf '%s\n' '# x' '## `top/`: top' '`a.c`, `a.h`' '## `low/`: low' '`b.c`, `b.h`' \
        '## `gone/`: none' > "$s/README.md"
    printf '#include "b.h"\n' > "$s/top/a.c"
    : > "$s/top/a.h"
    printf '#include "a.h"\n' > "$s/low/b.c"
    : > "$s/low/b.h"
    : > "$s/low/c.c"
    : > "$s/extra/b.h"
    : > "$s/loose.c"
    run "$ROOT/tests/src-layout" "$T"
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 6 ]
    [[ $output == *"helpers-src/loose.c: not in a concern folder"* ]]
    [[ $output == *"helpers-src/extra/: no section \"## \`extra/\`\" in helpers-src/README.md"* ]]
    [[ $output == *"helpers-src/low/c.c: not named in the section of low/"* ]]
    [[ $output == *"helpers-src/README.md: section gone/: no such folder"* ]]
    [[ $output == *"helpers-src/low/b.h: same name as helpers-src/extra/b.h"* ]]
    [[ $output == *"helpers-src/low/b.c: includes top/a.h, a folder before low/ in helpers-src/README.md"* ]]
}

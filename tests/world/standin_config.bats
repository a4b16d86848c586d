#!/usr/bin/env bats
# standin_config.bats - the stand-in's config panel (app config get/set,
# app action list/run through scripts/config), `dyndns update` and
# `domain dns push`, checked against YunoHost's behaviour
# (src/utils/configpanel.py, src/app.py AppConfigPanel, helpers.v1.d/config,
# src/dyndns.py, src/dns.py). Runs on "main" of the two-host world, with the
# sample app tests/world/apps/panelapp.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=world.bash
source "$BATS_TEST_DIRNAME/world.bash"

setup_file() {
    world_up
    world_app_install main "$WORLD_SRC/tests/world/apps/panelapp" > /dev/null
    export WORLD_DIR WORLD_ID WORLD_VERSION WORLD_SRC WORLD_ROOT
}

teardown_file() {
    world_down
}

setting() { on_main yunohost app setting panelapp "$1"; }

@test "config get: classic (ask + humanized value), one option, export; action sections left out" {
    run on_main yunohost app config get panelapp --output-as json
    [ "$status" -eq 0 ]
    [ "$(jq -r '."main.settings.color".value' <<< "$output")" = red ]
    [ "$(jq -r '."main.settings.flag".value' <<< "$output")" = no ]
    [ "$(jq -r '."main.settings.computed".value' <<< "$output")" = "from the getter" ]
    [ "$(jq -r '."main.settings.color".ask' <<< "$output")" = Colour ]
    [ "$(jq -r 'has("main.act.secret")' <<< "$output")" = false ]
    run on_main yunohost app config get panelapp main.settings.size
    [ "$output" = 10 ]
    run on_main yunohost app config get panelapp --export --output-as json
    [ "$(jq -c . <<< "$output")" = '{"color":"red","size":"10","flag":"0","computed":"from the getter"}' ]
    run on_main yunohost app config get panelapp main.nothing
    [ "$status" -eq 1 ]
    [ "$output" = "The filter key 'main.nothing' is incorrect." ]
}

@test "config set: choices and validators refuse with YunoHost's messages; nothing is saved" {
    run on_main yunohost app config set panelapp main.settings.color -v purple
    [ "$status" -eq 1 ]
    [[ $output == *"Pick a valid value for argument 'color': 'purple' is not among the available choices (red, green, blue)"* ]]
    run on_main yunohost app config set panelapp main.settings.size -v big
    [ "$status" -eq 1 ]
    [[ $output == *"Pick a valid value for the argument 'size': size must be a number"* ]]
    [ "$(setting color)" = red ]
    [ "$(setting size)" = 10 ]
    run on_main yunohost app config set panelapp main.settings -v x
    [ "$status" -eq 1 ]
    [[ $output == *"You can't set a single value on an entire config section."* ]]
}

@test "config set: settings-bound values saved, setters called, booleans normalized" {
    run on_main yunohost app config set panelapp -a "color=blue&size=12&flag=yes&computed=new value"
    [ "$status" -eq 0 ]
    [[ $output == *"Config updated as expected"* ]]
    [ "$(setting color)" = blue ]
    [ "$(setting size)" = 12 ]
    [ "$(setting flag)" = 1 ]
    [ "$(on_main cat /root/panelapp-computed)" = "new value" ]
    run on_main yunohost app setting panelapp computed
    [ -z "$output" ]
    # as in YunoHost, a value a getter gives as YAML always counts as changed:
    # its setter runs again with the same value
    run on_main yunohost app config set panelapp main.settings.size -v 12
    [ "$status" -eq 0 ]
    [ "$(setting size)" = 12 ]
    [ "$(on_main cat /root/panelapp-computed)" = "new value" ]
}

@test "action run: the button's section in the environment, password checked, never saved" {
    run on_main yunohost app action list panelapp --output-as json
    [ "$(jq -c '.actions | keys' <<< "$output")" = '["main.act.hidden","main.act.record"]' ]
    run on_main yunohost app action run panelapp main.act.record -a "secret=short"
    [ "$status" -eq 1 ]
    [[ $output == *"The password needs to be at least 8 characters long"* ]]
    run on_main yunohost app action run panelapp main.act.record -a "secret=Some-Long-Secret"
    [ "$status" -eq 0 ]
    [[ $output == *"Action record successful"* ]]
    run on_main cat /root/panelapp-env
    # panelapp is packaging v2: its settings (color, size) are in the env too
    [[ "${lines[*]}" == "run__record YNH_APP_BASEDIR=/etc/yunohost/apps/panelapp color="*" note=none secret=Some-Long-Secret size="* ]]
    run on_main grep -r Some-Long-Secret /etc/yunohost/apps/panelapp
    [ "$status" -ne 0 ]
    run on_main yunohost app action run panelapp main.act.hidden
    [ "$status" -eq 1 ]
    [[ $output == *"Could not run action 'hidden' since it is disabled"* ]]
    run on_main yunohost app action run panelapp main.act.nothing
    [ "$status" -eq 1 ]
    [[ $output == *"No action named nothing"* ]]
}

@test "dyndns update: only DynDNS domains with a key; --dry-run shows the records; no update when unchanged" {
    run on_main yunohost dyndns update
    [ "$status" -eq 1 ]
    [ "$output" = "No domain registered with DynDNS" ]
    on_main /bin/bash -c 'printf "mail_in: true\n" > /etc/yunohost/domains/me.nohost.me.yml
        echo "key" > "/etc/yunohost/dyndns/Kme.nohost.me.+165+1234.key"
        echo 203.0.113.7 > /etc/yunohost/standin-public-ip'
    run on_main yunohost dyndns update -d me.nohost.me --dry-run
    [ "$status" -eq 0 ]
    [[ $output == *"me.nohost.me. 3600 IN A 203.0.113.7"* ]]
    [[ $output == *"dry run"* ]]
    run on_main test -e /var/lib/standin-dns/me.nohost.me.yml
    [ "$status" -ne 0 ]
    run on_main yunohost dyndns update
    [ "$status" -eq 0 ]
    [[ $output == *"Updated your IP on DynDNS"* ]]
    run on_main yunohost dyndns update
    [[ $output == *"No update needed."* ]]
    run on_main yunohost dyndns update -d other.nohost.me
    [ "$status" -eq 1 ]
    [ "$output" = "DNS key not found for the domain" ]
}

@test "domain dns push: not applicable without a registrar, special-use TLDs refused, records pushed" {
    run on_main yunohost domain dns push main.test
    [ "$status" -eq 1 ]
    [[ $output == *"special-use top-level domain"* ]]
    on_main /bin/bash -c 'printf "mail_in: true\n" > /etc/yunohost/domains/example.org.yml'
    run on_main yunohost domain dns push example.org
    [ "$status" -eq 1 ]
    [[ $output == *"is not applicable to domain example.org"* ]]
    on_main /bin/bash -c 'printf "registrar: ovh\n" > /etc/yunohost/domains/example.org.yml'
    run on_main yunohost domain dns push example.org --dry-run --output-as json
    [ "$status" -eq 0 ]
    [ "$(jq -c '.create | map(.name + " " + .type + " " + .content)' <<< "$output")" = '["* A 203.0.113.7","@ A 203.0.113.7"]' ]
    run on_main yunohost domain dns push example.org
    [[ $output == *"DNS records updated!"* ]]
    run on_main yunohost domain dns push example.org
    [[ $output == *"Records already up to date, nothing to do."* ]]
    run on_main yunohost domain dns push nowhere.org
    [ "$status" -eq 1 ]
    [ "$output" = "Domain 'nowhere.org' unknown" ]
}

#!/bin/bash
# shellcheck disable=SC2154
# The scripts fail on purpose when a setting says so:
#   yunohost app setting flaky fail_backup -v 1     (backup script fails)
#   yunohost app setting flaky fail_restore -v 1    (restore script fails)
# or when the flag file /etc/yunohost/apps/flaky/fail_backup exists.
flaky_should_fail() { # WHAT
    [ "$(ynh_app_setting_get --app="$app" --key="fail_$1")" = 1 ] ||
        [ -e "/etc/yunohost/apps/$app/fail_$1" ]
}

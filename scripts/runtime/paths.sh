#!/bin/bash
# paths.sh - where every file of the package lives, and what each role
# keeps of them: the one table (doc/layout.md explains each file). The
# lifecycle scripts and the hooks read it through scripts/_common.sh, the
# runtime commands through lib.sh, beside which the install puts it.
# Sourced, never run. Defines things only.
#
# The runtime commands take these overrides from the environment (the tests
# use them): FB_DATA_DIR, FB_LOG_DIR, FB_LOCK_DIR, FB_CONFIG, FB_APP_LIST,
# FB_USER, FB_CHROOT, FB_STATE_DIR, FB_UPDATE_STATE_DIR, FB_WATCH_CONF,
# FB_WATCH_STATE, FB_WATCH_CRON, FB_CRON_MAIN, FB_CRON_SEAL, FB_BACKUP_ROOT, FB_YNH_ARCHIVES,
# FB_DYNDNS_KEYS, FB_APP_SETTINGS. The lifecycle scripts take none.
# shellcheck disable=SC2034 # the variables are used by the sourcing scripts

#=================================================
# BOTH ROLES
#=================================================

# the code: the install_dir resource (manifest.toml); lib.sh sets
# FB_BIN_DIR to the folder it runs from
FB_CODE_DIR=/opt/yunohost/fallback
FB_BIN_DIR=${FB_BIN_DIR:-$FB_CODE_DIR/bin}
FB_HELPER_BIN=$FB_BIN_DIR/fallback
# the data folder: where it is on every server (what one server tells of
# the other's), and on this one
FB_HOME=/home/yunohost.app/fallback
FB_DATA_DIR=${FB_DATA_DIR:-$FB_HOME}
FB_LOG_DIR=${FB_LOG_DIR:-/var/log/fallback}
FB_LOG=$FB_LOG_DIR/fallback.log
# the locks: root's alone (fb_lock_dir); /run/lock would let any user hold them
FB_LOCK_DIR=${FB_LOCK_DIR:-/run/fallback}
# the key file: the main's derived key; on the fallback, a kept key (keep_key)
FB_PASS_KEY=$FB_DATA_DIR/passkey
# what the runtime commands remember between runs
FB_RPO_STATE=$FB_DATA_DIR/.rpo_alarm_mailed
FB_SEND_OUTCOME=$FB_DATA_DIR/.send_backup_last_outcome
# the nightly job's record of its last night, read by fallback_status
FB_NIGHT_RECORD=$FB_DATA_DIR/last_night
# the admin's commands of each role, linked in FB_LINK_DIR
FB_LINK_DIR=$FB_DATA_DIR
FB_COMMANDS_MAIN="update_from_fallback fallback_status"
FB_COMMANDS_FALLBACK="deploy_fallback close_fallback fallback_status update_dns"
# YunoHost's: the app's settings, the backup archives, the dyndns keys
FB_APP_SETTINGS=${FB_APP_SETTINGS:-/etc/yunohost/apps/fallback/settings.yml}
FB_BACKUP_ROOT=${FB_BACKUP_ROOT:-/home/yunohost.backup}
# where `yunohost backup create --output-directory` leaves its link and info.json
FB_YNH_ARCHIVES=${FB_YNH_ARCHIVES:-/home/yunohost.backup/archives}
FB_DYNDNS_KEYS=${FB_DYNDNS_KEYS:-/etc/yunohost/dyndns}

#=================================================
# MAIN ROLE
#=================================================

FB_CONFIG=${FB_CONFIG:-$FB_DATA_DIR/config.conf}
FB_APP_LIST=${FB_APP_LIST:-$FB_DATA_DIR/app_list}
FB_SSH_KEY=$FB_DATA_DIR/ssh_key
FB_SSH_PUB=$FB_SSH_KEY.pub
FB_KNOWN_HOSTS=$FB_DATA_DIR/known_hosts
# main_storage_dir's default: the nightly job's working folder
FB_MAIN_STORAGE=$FB_DATA_DIR/fallback_backup
# update_from_fallback's record (failover.md)
FB_UPDATE_STATE_DIR=${FB_UPDATE_STATE_DIR:-$FB_DATA_DIR/update_state}
FB_UPDATE_STATE=$FB_UPDATE_STATE_DIR/state
FB_CRON_MAIN=${FB_CRON_MAIN:-/etc/cron.d/fallback}

#=================================================
# FALLBACK ROLE
#=================================================

# the SFTP account, chrooted to its root-owned home; FB_SFTP_* are the
# same folders as the main server sees them over SFTP
FB_USER=${FB_USER:-fallback}
FB_CHROOT=${FB_CHROOT:-$FB_DATA_DIR/sftp}
FB_SFTP_INCOMING=/incoming
FB_SFTP_STATUS=/status
FB_SFTP_UPDATED=/updated_backup
FB_SSH_DIR=$FB_CHROOT/.ssh
FB_AUTHORIZED_KEYS=$FB_SSH_DIR/authorized_keys
FB_INCOMING=$FB_CHROOT$FB_SFTP_INCOMING
FB_STATUS=$FB_CHROOT$FB_SFTP_STATUS
FB_UPDATED=$FB_CHROOT$FB_SFTP_UPDATED
FB_STORE=$FB_CHROOT/backup
# the failure watch: its settings and what it remembers
FB_WATCH_CONF=${FB_WATCH_CONF:-$FB_DATA_DIR/auto_check.conf}
FB_WATCH_STATE=${FB_WATCH_STATE:-$FB_DATA_DIR/watch_state}
FB_WATCH_REFUSED=$FB_WATCH_STATE.refused
FB_WATCH_CRON=${FB_WATCH_CRON:-/etc/cron.d/auto_deploy_fallback}
# fallback_seal's optional settings, written by the admin
FB_SEAL_CONF=$FB_DATA_DIR/fallback_seal.conf
FB_CRON_SEAL=${FB_CRON_SEAL:-/etc/cron.d/fallback_seal}
# deploy_fallback's record of a deployment (root only; status/deployed is
# what the main server sees)
FB_STATE_DIR=${FB_STATE_DIR:-$FB_DATA_DIR/deploy_state}
FB_DEPLOY_STATE=$FB_STATE_DIR/state
# what the 0.x package had received, moved here by the upgrade
FB_LEGACY=$FB_DATA_DIR/legacy_backup

#=================================================
# THE 0.x BASH PACKAGE (what the upgrade converts)
#=================================================

FB_LEGACY_SEND=$FB_CODE_DIR/send_process
FB_LEGACY_DEPLOY=$FB_CODE_DIR/deploy_process
FB_LEGACY_UPDATE=$FB_CODE_DIR/update_from_fallback_process
FB_LEGACY_HOME=/home/$FB_USER
FB_LEGACY_KEYS=$FB_LEGACY_HOME/.ssh/authorized_keys
FB_LEGACY_KNOWN_HOSTS=/root/.ssh/known_hosts

#=================================================
# WHAT EACH ROLE KEEPS
#=================================================
# One row per item: ROLE TYPE SAVE GONE OWNER MODE PATH, read by
# scripts/backup, restore, remove and upgrade (fallback_files in _common.sh).
#   ROLE  main, fallback or both
#   TYPE  f a file, d a folder
#   SAVE  what backup and restore do: core (always there: backed up and
#         restored), optional (backed up and restored when there), big
#         (optional, and left out of the safety backup before an upgrade and
#         of every backup when do_not_backup_data=1), - (never saved)
#   GONE  what remove does: job (removed first: the scheduled jobs and the
#         logs), rm (removed), purge (kept unless --purge; an empty folder
#         goes), - (left: YunoHost's resource, or the admin's)
#   OWNER what restore gives it: root, root-R (all it holds too), - (left)
#   MODE  what restore gives it (chmod), - (left)
# Rows are in order: a folder after what it holds. The upgrade keeps every
# row but the jobs, which it writes again with the authorized_keys and
# auto_check.conf (from the settings); the 0.x main's files it takes from
# FB_LEGACY_SEND under the same names (the main's f rows with GONE=rm).
FB_FILES=(
    "both     d core     -     root-R 0750 $FB_CODE_DIR"
    "both     d -        job   -      -    $FB_LOG_DIR"
    "both     f -        rm    -      -    $FB_RPO_STATE"
    "both     f -        rm    -      -    $FB_SEND_OUTCOME"
    "both     f -        rm    -      -    $FB_NIGHT_RECORD"
    "main     f core     job   root   0644 $FB_CRON_MAIN"
    "main     f core     rm    root   0600 $FB_CONFIG"
    "main     f core     rm    root   0644 $FB_APP_LIST"
    "main     f core     rm    root   0600 $FB_SSH_KEY"
    "main     f core     rm    root   0644 $FB_SSH_PUB"
    "main     f optional rm    root   0600 $FB_KNOWN_HOSTS"
    "main     f optional rm    root   0400 $FB_PASS_KEY"
    "main     d big      rm    root   0700 $FB_MAIN_STORAGE"
    "main     d -        -     -      -    $FB_UPDATE_STATE_DIR"
    "fallback f core     job   root   0644 $FB_CRON_SEAL"
    "fallback f optional job   root   0644 $FB_WATCH_CRON"
    "fallback f core     rm    root   0644 $FB_AUTHORIZED_KEYS"
    "fallback f core     rm    root   0644 $FB_WATCH_CONF"
    "fallback f optional rm    root   0400 $FB_PASS_KEY"
    "fallback f -        rm    -      -    $FB_WATCH_STATE"
    "fallback f -        rm    -      -    $FB_WATCH_REFUSED"
    "fallback f -        -     -      -    $FB_SEAL_CONF"
    "fallback d optional rm    root-R 0700 $FB_STATE_DIR"
    "fallback d -        rm    -      -    $FB_SSH_DIR"
    "fallback d -        rm    -      -    $FB_INCOMING"
    "fallback d optional rm    root-R -    $FB_STATUS"
    "fallback d big      purge root-R -    $FB_STORE"
    "fallback d big      purge root-R -    $FB_UPDATED"
    "fallback d big      purge root   0700 $FB_LEGACY"
    "fallback d -        purge -      -    $FB_CHROOT"
)

#!/bin/bash
# shellcheck disable=SC2034
pkg_dependencies="bash coreutils"

#!/usr/bin/env bash
# Installs the Debian packages the tests drive, when missing: redis-server and
# nats-server (tests start their own on free ports), chromium (browser tests)
# and prometheus (its promtool checks docs/alerts.yaml).
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v promtool >/dev/null || [ -x /usr/bin/promtool ] || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing ${missing[*]} (needed by the tests)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"

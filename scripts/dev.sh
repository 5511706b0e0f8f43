#!/usr/bin/env bash
# The two commands of the README, on a fresh machine with Node.js 20+:
#   bash scripts/dev.sh start   install, generate, migrate and start every service (Ctrl-C stops them)
#   bash scripts/dev.sh test    install, generate, check contracts, types and lint, run every test
# It installs what the project needs (pnpm, its packages) and starts the local PostgreSQL and
# RabbitMQ when they are installed but stopped. Nothing else is to be installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.8

ensure_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    echo "› installing pnpm $PNPM_VERSION"
    npm install -g "pnpm@$PNPM_VERSION" >/dev/null
  fi
}

ensure_services() {
  # Only local services are started here; with DATABASE_URL/AMQP_URL pointing elsewhere, nothing is touched.
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q; then
    echo "› starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if command -v rabbitmqctl >/dev/null 2>&1 && ! rabbitmqctl -q status >/dev/null 2>&1; then
    echo "› starting RabbitMQ"
    rabbitmq-server -detached || true
    for _ in $(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
  fi
  if command -v rabbitmqctl >/dev/null 2>&1; then
    rabbitmqctl -q await_startup >/dev/null 2>&1 || true
  fi
}

# The pages' end-to-end tests drive Debian's chromium (playwright-core cannot download a browser here).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "› installing chromium (Debian package)"
    if [ "$(id -u)" = 0 ]; then
      apt-get update && apt-get install -y chromium
    else
      sudo apt-get update && sudo apt-get install -y chromium
    fi
  fi
}

install() {
  ensure_pnpm
  pnpm install --frozen-lockfile
  pnpm prisma:generate
}

case "${1:-}" in
  start)
    install
    ensure_services
    exec pnpm start
    ;;
  test)
    install
    ensure_services
    ensure_chromium
    pnpm contracts:check
    pnpm typecheck
    pnpm lint
    exec pnpm test
    ;;
  *)
    echo "usage: bash scripts/dev.sh start|test" >&2
    exit 2
    ;;
esac

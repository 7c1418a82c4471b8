#!/bin/sh
# One-time setup of this deployment folder (safe to re-run: existing files are kept, modes are re-applied).
#  - .env from .env.example, with the random tokens generated (mode 600)
#  - modes git cannot keep: openclaw.json and .env 600, state dirs 700
#  - the audit signing key (Ed25519, mode 600), outside the agent workspace
#  - uptime-kuma/monitors.rendered.json: the monitors with PUBLIC_DOMAIN filled in, ready to import
# Then: otheru-coordinator check --deployment . (every item must pass).
set -eu
cd "$(dirname "$0")"
umask 077

random_hex() {
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

if [ ! -f .env ]; then
  sed \
    -e "s/^OPENCLAW_GATEWAY_TOKEN=.*/OPENCLAW_GATEWAY_TOKEN=$(random_hex)/" \
    -e "s/^OPENCLAW_HOOKS_TOKEN=.*/OPENCLAW_HOOKS_TOKEN=$(random_hex)/" \
    -e "s/^REDIS_PASSWORD=.*/REDIS_PASSWORD=$(random_hex)/" \
    .env.example > .env
  echo "wrote .env (generated OPENCLAW_GATEWAY_TOKEN, OPENCLAW_HOOKS_TOKEN, REDIS_PASSWORD)"
fi
chmod 600 .env openclaw.json

mkdir -p data/openclaw data/coordinator secrets
chmod 700 data data/openclaw data/coordinator secrets

if [ ! -f secrets/audit-signing.key ]; then
  if command -v otheru-coordinator >/dev/null 2>&1; then
    otheru-coordinator audit keygen secrets/audit-signing.key
  else
    openssl genpkey -algorithm ed25519 -out secrets/audit-signing.key
    openssl pkey -in secrets/audit-signing.key -pubout -out secrets/audit-signing.key.pub
  fi
fi
chmod 600 secrets/audit-signing.key

domain=$(sed -n 's/^PUBLIC_DOMAIN=//p' .env | tail -n 1)
sed "s/\${PUBLIC_DOMAIN}/${domain}/g" uptime-kuma/monitors.json > uptime-kuma/monitors.rendered.json
chmod 644 uptime-kuma/monitors.rendered.json

# The gateway runs as the image's node user (uid 1000): it must own what it reads and writes.
if [ "$(id -u)" = 0 ]; then
  chown 1000:1000 openclaw.json secrets secrets/audit-signing.key
  chown -R 1000:1000 data/openclaw data/coordinator
elif [ "$(id -u)" != 1000 ]; then
  echo "note: run this as root, or chown 1000:1000 openclaw.json secrets/audit-signing.key data/openclaw data/coordinator; the container runs as uid 1000" >&2
fi

grep -q '^[A-Z_]*=replace-with' .env && echo "edit .env: fill in every value that still says replace-with-..." || true
echo "next: otheru-coordinator check --deployment $(pwd)"

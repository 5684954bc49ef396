#!/usr/bin/env bash
# Chromium for the browser tests. Usage: chromium.sh install|path
# Playwright's own browser download cannot reach its hosts here, so the tests
# drive Debian's chromium package (liaison_shared.testing.browser finds it on
# PATH). install adds the package if `chromium` is missing and prints its path;
# when it is already there it only prints the path.
set -euo pipefail

installed() { command -v chromium 2>/dev/null; }

install() {
  if ! installed >/dev/null; then
    echo "chromium: installing Debian's chromium package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium >&2
  fi
  installed || { echo "chromium: still not on PATH after installing the package" >&2; return 1; }
}

case "${1:-}" in
  install) install ;;
  path) installed || { echo "chromium: not installed; run $0 install" >&2; exit 1; } ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac

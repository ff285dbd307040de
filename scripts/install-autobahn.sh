#!/usr/bin/env bash
# scripts/install-autobahn.sh [DIR]
#
# Installs the Autobahn|Testsuite fuzzingserver (`wstest`, autobahntestsuite 0.8.2, Python 2
# only) under DIR (default $HOME/.local/autobahn), for scripts/autobahn.py and
# tests/system/test_autobahn.py, which look for DIR/bin/wstest (or $AUTOBAHN_WSTEST).
#
# Python 2.7 is taken from, in order: $PYTHON2; a working python2.7 on PATH; a pyenv 2.7
# build (this project's machines have one); else Debian 11's python2.7 package (Debian 12 has
# no Python 2), whose archive is added for this install only (same mirror as the machine's own
# sources, pinned low) and removed afterwards. Then pip 20.3 (the last for Python 2) and
# autobahntestsuite 0.8.2 go under DIR, all from PyPI.
#
# Idempotent and quiet: a rerun with a working wstest does nothing (FORCE=1 reinstalls).
# Prints the path of wstest last, nothing else on success.
set -euo pipefail
DIR=${1:-$HOME/.local/autobahn}
WSTEST=$DIR/bin/wstest
PYTHON=${PYTHON:-python3}
FORCE=${FORCE:-0}

if [[ $FORCE != 1 && -x $WSTEST ]] && "$WSTEST" --help >/dev/null 2>&1; then
  echo "$WSTEST"
  exit 0
fi

works() { [[ -n $1 ]] && "$1" -c 'import ssl, sys; assert sys.version_info[:2] == (2, 7)' >/dev/null 2>&1; }

PY2=${PYTHON2:-}
if ! works "$PY2"; then PY2=$(command -v python2.7 || true); fi
if ! works "$PY2" && command -v pyenv >/dev/null 2>&1; then
  version=$(pyenv versions --bare 2>/dev/null | grep -E '^2\.7(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
  [[ -z $version ]] || PY2=$(pyenv root)/versions/$version/bin/python2.7
fi
if ! works "$PY2"; then
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '$1=="deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n $uri ]] || { echo "no Debian archive URI found in the apt sources" >&2; exit 1; }
  src=/etc/apt/sources.list.d/autobahn-bullseye.list pin=/etc/apt/preferences.d/autobahn-bullseye
  echo "deb $uri bullseye main" >"$src"
  printf 'Package: *\nPin: release n=bullseye\nPin-Priority: 100\n' >"$pin"
  trap 'rm -f "$src" "$pin"; apt-get update -qq >/dev/null 2>&1 || true' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bullseye python2.7 python2.7-dev >/dev/null
  PY2=/usr/bin/python2.7
  works "$PY2" || { echo "python2.7 from Debian 11 does not run" >&2; exit 1; }
fi

# Output goes to DIR/install.log, shown only when a step fails (pip warns about the machine's
# pip configuration on every package).
mkdir -p "$DIR"
LOG=$DIR/install.log
: >"$LOG"
quietly() { "$@" >>"$LOG" 2>&1 || { cat "$LOG" >&2; echo "failed: $*" >&2; exit 1; }; }

# pip for Python 2 from its wheel (run the wheel itself: Python 2 has no ensurepip here), all
# packages in the user site under DIR so nothing of the system's Python is touched.
mkdir -p "$DIR/wheels"
quietly "$PYTHON" -m pip --disable-pip-version-check download -q --no-deps --only-binary=:all: \
  --python-version 2.7 --implementation py -d "$DIR/wheels" pip==20.3.4 setuptools==44.1.1 wheel==0.37.1
export PYTHONUSERBASE=$DIR PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONWARNINGS=ignore
quietly "$PY2" "$DIR"/wheels/pip-20.3.4-py2.py3-none-any.whl/pip install -q --no-warn-script-location --user \
  --no-index --find-links "$DIR/wheels" pip setuptools wheel
quietly "$PY2" -m pip install -q --no-warn-script-location --user autobahntestsuite==0.8.2

# wstest needs PYTHONUSERBASE to find its packages: wrap it (the real script stays beside it).
if [[ -f $WSTEST ]] && ! grep -q 'wstest.real' "$WSTEST"; then mv "$WSTEST" "$DIR/bin/wstest.real"; fi
printf '#!/bin/sh\nPYTHONUSERBASE=%s PYTHONWARNINGS=ignore exec %s "$@"\n' "$DIR" "$DIR/bin/wstest.real" \
  >"$WSTEST"
chmod +x "$WSTEST"
"$WSTEST" --help >/dev/null 2>&1 || { echo "wstest installed but does not run: $WSTEST" >&2; exit 1; }
echo "$WSTEST"

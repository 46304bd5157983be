#!/usr/bin/env bash
# Re-resolve constraints.txt, the lock of the development/CI install, from the newest releases that
# pyproject.toml's ranges admit. Run it deliberately (not in CI), then run the tests and commit the
# file with the test result in the message. Usage: tools/refresh-constraints.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# no lock, no cache: exactly what a new user without constraints.txt would get today
PIP_CONSTRAINT="" "$work/venv/bin/pip" install -q --no-cache-dir --upgrade setuptools wheel
PIP_CONSTRAINT="" "$work/venv/bin/pip" install -q --no-cache-dir -e '.[test]'
{
    echo "# The development/CI install's lock: README \"Install\" uses it (PIP_CONSTRAINT), so a new release"
    echo "# of a dependency cannot change what CI tests. pyproject.toml keeps the compatible ranges that"
    echo "# library users get. Refresh deliberately with tools/refresh-constraints.sh, then run the tests."
    "$work/venv/bin/pip" freeze --all --exclude-editable | grep -v '^pip=='
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pins"

#!/usr/bin/env bash
# Run the bad-input tests (YAML nesting, alias bombs, malformed YAML...) under other PyYAML releases
# than the locked one: chartguard's messages must not depend on the libyaml a release bundles.
# Usage: tools/test-pyyaml-releases.sh [VERSION...]   (default: 6.0.3, the last without libyaml's own
# nesting limit; the locked release, 6.0.4 or newer, is what the main test run uses)
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("${@:-6.0.3}")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for version in "${versions[@]}"; do
    .venv/bin/pip install -q --no-deps --target "$work/pyyaml-$version" "PyYAML==$version"
    PYTHONPATH="$work/pyyaml-$version" .venv/bin/python -c "import yaml, sys; assert yaml.__version__ == sys.argv[1], yaml.__version__" "$version"
    echo "PyYAML $version:"
    PYTHONPATH="$work/pyyaml-$version" .venv/bin/pytest -p no:cacheprovider tests/test_bad_input.py
done

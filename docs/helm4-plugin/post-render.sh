#!/bin/sh
# Helm 4 runs this with the rendered manifests on stdin and each --post-renderer-args value as an
# argument; it reads the patched manifests from stdout and fails the install on a non-zero exit.
# Helm 4 keeps a plugin's stderr to itself, so chartguard's report (why the install was refused)
# goes to $CHARTGUARD_REPORT when set, else to the terminal when there is one.
# CHARTGUARD names the chartguard executable (default: chartguard from PATH).
report=${CHARTGUARD_REPORT:-}
if [ -z "$report" ] && { : >/dev/tty; } 2>/dev/null; then
  report=/dev/tty
fi
if [ -n "$report" ]; then
  exec "${CHARTGUARD:-chartguard}" post-render "$@" 2>>"$report"
fi
exec "${CHARTGUARD:-chartguard}" post-render "$@"

#!/usr/bin/env bash
# test_includes.sh - the include graph runs one way (scripts/check-includes.sh
# states the rules): a test in `make test`, so a change that makes kernel/
# include runtime/, or runtime/ name a venue, fails the build's tests.
cd "$(dirname "$0")" || exit 1
# Run from the repository root whatever the build directory is.
root=$(git rev-parse --show-toplevel 2>/dev/null) || root=$(cd ../../.. && pwd)
cd "$root" || exit 1
if scripts/check-includes.sh; then f=0; else f=1; fi
echo "TLTEST suite=scripts.includes tests=1 failed=$f asserts=1"
exit "$f"

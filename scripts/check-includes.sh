#!/usr/bin/env bash
# check-includes.sh - the include graph runs one way (docs/architecture.md):
#
#   kernel/            includes kernel/ only (and the C library)
#   persist/           kernel/, persist/
#   runtime/           kernel/, persist/, runtime/, io/venue.h, include/talon.h
#   io/venue.*         kernel/, runtime/, io/venue.h; io/venue.c also the
#                      drivers' own headers (io/<driver>/<driver>.h): the
#                      registry is the one place that names them
#   io/net/            kernel/, runtime/, io/net/
#   io/<driver>/       kernel/, runtime/, io/venue.h, io/net/, its own folder
#   sim/               kernel/, sim/ (it is a separate program's library)
#   mon/               kernel/, persist/, runtime/, mon/ (talon monitor;
#                      cli/ uses it, not the other way round)
#   include/talon.h    nothing of the project: it stands alone
#   cli/ bench/ tests/ examples/   anything
#
# Prints every include that breaks a rule as FILE:LINE: "HEADER" (RULE) and
# exits 1 when there is one. Runs in `make test` (tests/scripts/).
set -u
cd "$(dirname "$0")/.." || exit 2

allowed() {	# allowed FILE HEADER -> 0 when FILE may include HEADER
	local f=$1 h=$2 dir
	case $f in
	kernel/*) [[ $h == kernel/* ]] ;;
	persist/*) [[ $h == kernel/* || $h == persist/* ]] ;;
	runtime/*) [[ $h == kernel/* || $h == persist/* || $h == runtime/* ||
		      $h == io/venue.h || $h == include/talon.h ]] ;;
	io/venue.c) [[ $h == kernel/* || $h == runtime/* || $h == io/venue.h ||
		       $h =~ ^io/([a-z0-9_]+)/([a-z0-9_]+)\.h$ &&
		       ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ;;
	io/venue.h) [[ $h == kernel/* || $h == runtime/* ]] ;;
	io/net/*) [[ $h == kernel/* || $h == runtime/* || $h == io/net/* ]] ;;
	io/*/*)
		dir=${f#io/}
		dir=${dir%%/*}
		[[ $h == kernel/* || $h == runtime/* || $h == io/venue.h ||
		   $h == io/net/* || $h == io/$dir/* ]] ;;
	io/*) [[ $h == kernel/* || $h == runtime/* || $h == io/venue.h ]] ;;
	sim/*) [[ $h == kernel/* || $h == sim/* ]] ;;
	mon/*) [[ $h == kernel/* || $h == persist/* || $h == runtime/* || $h == mon/* ]] ;;
	include/*) false ;;
	*) true ;;
	esac
}

bad=0 n=0
while IFS= read -r f; do
	while IFS=: read -r line h; do
		n=$((n + 1))
		if ! allowed "$f" "$h"; then
			printf '%s:%s: "%s" (%s may not include it)\n' "$f" "$line" "$h" "${f%/*}/"
			bad=$((bad + 1))
		fi
	done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"]*"/) {
			h = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", h); sub(/"$/, "", h)
			print FNR ":" h }' "$f")
done < <(git ls-files -co --exclude-standard -- 'kernel/*.[ch]' 'persist/*.[ch]' \
		'runtime/*.[ch]' 'io/*.[ch]' 'sim/*.[ch]' 'mon/*.[ch]' 'include/*.h')

if [ "$bad" -ne 0 ]; then
	echo "check-includes: $bad include(s) against the layering above"
	exit 1
fi
echo "check-includes: $n includes follow the layering"

#!/bin/sh
# The layering rule (docs/ARCHITECTURE.md, "Layering"): a layer never
# includes or calls a higher one; it takes a callback or a table that main
# registers at start-up instead.  Layers, lowest first:
#
#   core < json < catalog < http < aws < store < iam < services < delivery < cli
#
# where services are logs, s3, kms, firehose and sts (peers: they may use
# each other, e.g. S3 asks KMS for data keys and Firehose writes through S3).
# src/main.c is the composition root above everything.
#
# usage: tests/layers.sh SRC_DIR [OBJECT_FILE...]   (or one ;-separated list)
#
# Two checks, so neither an #include nor a bare `extern` slips through:
#   1. every #include "../X/..." or "X/..." in src/L/ names no X above L;
#   2. with object files (ctest passes those of sluice_core), no object of
#      src/L/ has an undefined symbol that only an object of a higher layer
#      defines.
# Exit status 1 and one line per violation when the rule is broken; a new
# directory under src/ fails too, until it is given its place below.
set -u
export LC_ALL=C   # sort and join must agree on the order

# The order, once: layer=rank (peers share a rank).
LAYERS="core=0 json=1 catalog=2 http=3 aws=4 store=5 iam=6
        logs=7 s3=7 kms=7 firehose=7 sts=7 delivery=8 cli=9"

rank() {
    for kv in $LAYERS; do
        [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }
    done
    echo ""
}

[ $# -ge 1 ] || { echo "usage: $0 SRC_DIR [OBJECT_FILE...]" >&2; exit 2; }
src=$1
shift
[ -d "$src/core" ] || { echo "$0: $src is not the source tree" >&2; exit 2; }
bad=0

for dir in "$src"/*/; do
    layer=$(basename "$dir")
    r=$(rank "$layer")
    if [ -z "$r" ]; then
        echo "src/$layer: not in the layer order of $0; give it its place"
        bad=1
        continue
    fi
    for f in "$dir"*.c "$dir"*.cc "$dir"*.h; do
        [ -f "$f" ] || continue
        # "../X/file.h" from src/L/, or "X/file.h" through -Isrc.  Words, not
        # lines: include paths hold no spaces, and a pipe would lose $bad.
        # shellcheck disable=SC2013
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            p=${inc#../}
            case "$p" in */*) ;; *) continue ;; esac
            to=${p%%/*}
            tr=$(rank "$to")
            [ -n "$tr" ] || continue
            if [ "$tr" -gt "$r" ]; then
                echo "src/$layer/$(basename "$f"): includes $inc ($to is above $layer)"
                bad=1
            fi
        done
    done
done

# ctest hands the objects over as one CMake list ("a.o;b.o;..."): split it.
set -f
IFS=';'
# shellcheck disable=SC2048,SC2086
set -- $*
unset IFS
set +f

if [ $# -gt 0 ]; then
    command -v nm >/dev/null || { echo "$0: nm not found" >&2; exit 2; }
    # One pass: nm -A prefixes each line with its object's path; an object's
    # layer is the directory in .../src/L/file.c.o (objects elsewhere, the
    # embedded models and catalog, are data and take no part).  Definitions
    # come first, so each undefined symbol meets its definer's layer; only
    # symbols one of our objects defines count (libc, OpenSSL, ... do not).
    { nm -A -g --defined-only "$@" | sed 's/^/D /'; nm -A -u "$@" | sed 's/^/U /'; } |
        awk -v ranks="$LAYERS" '
        BEGIN {
            n = split(ranks, kv, " ")
            for (i = 1; i <= n; i++) { split(kv[i], p, "="); R[p[1]] = p[2] + 0 }
        }
        function layer(path,   k, parts) {
            k = split(path, parts, "/")
            return k >= 3 && parts[k - 2] == "src" ? parts[k - 1] : ""
        }
        {
            obj = $2; sub(/:[^:]*$/, "", obj)        # "path:addr" or "path:"
            l = layer(obj)
            if (l == "" || !(l in R)) next
            if ($1 == "D") { def[$NF] = l; next }
            s = $NF
            if ((s in def) && R[def[s]] > R[l]) {
                rel = obj; sub(/.*\/src\//, "", rel)
                printf "src/%s: uses %s of %s (above %s)\n", rel, s, def[s], l
                bad = 1
            }
        }
        END { exit bad }' || bad=1
fi

if [ "$bad" -ne 0 ]; then
    echo "layering: a lower layer reaches up (see docs/ARCHITECTURE.md, \"Layering\")"
    exit 1
fi
echo "layering: ok"

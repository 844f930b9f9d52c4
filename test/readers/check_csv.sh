#!/usr/bin/env bash
# check_csv.sh DIR
#
# Runs csvkit's csvclean in report-only mode over every *.csv in DIR and
# fails if it reports anything (rows whose column count differs from the
# header, or a CSV syntax error).
#
# csvkit < 2.0 (Debian 12 ships 1.0.7): `csvclean -n FILE` is a dry run that
#   prints "No errors." or one "Line N: ..." line per bad row, and exits 0
#   either way, so the output is what is checked.
# csvkit >= 2.0 dropped -n: `csvclean --length-mismatch FILE` writes the
#   cleaned CSV to stdout and the errors to stderr, so stdout is discarded
#   and any stderr output or a non-zero exit fails.
set -uo pipefail

name=check_csv.sh
if [ $# -ne 1 ]; then
  echo "$name: usage: check_csv.sh DIR" >&2
  exit 2
fi
dir=$1
if ! command -v csvclean >/dev/null 2>&1; then
  echo "FAIL csvclean not found (run .ci/install-readers.sh)"
  echo "$name: FAIL (csvclean missing)"
  exit 2
fi
if [ ! -d "$dir" ]; then
  echo "FAIL directory $dir does not exist"
  echo "$name: FAIL (no directory)"
  exit 2
fi

if csvclean --help 2>/dev/null | grep -q -- '--length-mismatch'; then
  mode=v2
else
  mode=v1
fi

shopt -s nullglob
files=("$dir"/*.csv)
if [ ${#files[@]} -eq 0 ]; then
  echo "FAIL no .csv files in $dir"
  echo "$name: FAIL (no files)"
  exit 1
fi

total=0
failed=0
for f in "${files[@]}"; do
  total=$((total + 1))
  if [ "$mode" = v1 ]; then
    out=$(csvclean -n "$f" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "No errors." ]; then
      echo "ok   csvclean $(basename "$f")"
      continue
    fi
  else
    out=$(csvclean --length-mismatch "$f" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
      echo "ok   csvclean $(basename "$f")"
      continue
    fi
  fi
  failed=$((failed + 1))
  echo "FAIL csvclean $(basename "$f") (exit $rc):"
  printf '%s\n' "$out" | head -n 20 | sed 's/^/       /'
done

if [ $failed -gt 0 ]; then
  echo "$name: FAIL ($failed of $total files have errors)"
  exit 1
fi
echo "$name: OK ($total files)"

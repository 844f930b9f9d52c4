#!/usr/bin/env bash
# check_pdf.sh FILE ROOMNAMES.txt PAGES
#
# Checks a PDF with independent readers:
#   - qpdf --check: the file's structure is sound, with no warnings;
#   - pdffonts: every font is embedded (emb = yes);
#   - pdftotext: the text holds every room name of ROOMNAMES.txt (one per line,
#     empty lines ignored), compared after collapsing whitespace to one space
#     (a name wrapped over lines in a table or a label still matches);
#   - pdfinfo: the document has PAGES pages.
# Exits 0 when every check passed, 1 when one failed, 2 on a usage error, a
# missing input or a missing tool.
set -uo pipefail

name=check_pdf.sh
if [ $# -ne 3 ]; then
  echo "$name: usage: check_pdf.sh FILE ROOMNAMES.txt PAGES" >&2
  exit 2
fi
file=$1
names=$2
pages=$3
for tool in qpdf pdffonts pdftotext pdfinfo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL $tool not found (run .ci/install-readers.sh)"
    echo "$name: FAIL ($tool missing)"
    exit 2
  fi
done
for f in "$file" "$names"; do
  if [ ! -r "$f" ]; then
    echo "FAIL cannot read $f"
    echo "$name: FAIL (missing input)"
    exit 2
  fi
done
case $pages in
  ''|*[!0-9]*) echo "$name: PAGES must be a number, not '$pages'" >&2; exit 2 ;;
esac

base=$(basename "$file")
checks=0
failed=0
pass() { echo "ok   $*"; checks=$((checks + 1)); }
fail() { echo "FAIL $*"; checks=$((checks + 1)); failed=$((failed + 1)); }

# qpdf exits 0 when clean, 3 on warnings, 2 on errors.
out=$(qpdf --check "$file" 2>&1)
rc=$?
if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -qi 'warning'; then
  pass "qpdf --check $base: clean"
else
  fail "qpdf --check $base (exit $rc):"
  printf '%s\n' "$out" | head -n 20 | sed 's/^/       /'
fi

# pdffonts: two header lines, then one line per font; "emb" is the third
# column from the right (emb sub uni object ID).
out=$(pdffonts "$file" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
  fail "pdffonts $base (exit $rc): $(printf '%s' "$out" | head -n 3)"
else
  fonts=$(printf '%s\n' "$out" | tail -n +3)
  total=$(printf '%s\n' "$fonts" | grep -c . || true)
  notemb=$(printf '%s\n' "$fonts" | awk 'NF >= 5 && $(NF-4) != "yes" {print $1}')
  if [ "$total" -eq 0 ]; then
    fail "pdffonts $base: no fonts"
  elif [ -n "$notemb" ]; then
    fail "pdffonts $base: not embedded: $(printf '%s' "$notemb" | tr '\n' ' ')"
  else
    pass "pdffonts $base: $total fonts, all embedded"
  fi
fi

# pdftotext: every room name, whitespace collapsed on both sides.
text=$(pdftotext -enc UTF-8 "$file" - 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
  fail "pdftotext $base (exit $rc): $(printf '%s' "$text" | head -n 3)"
else
  flat=$(printf '%s' "$text" | tr -s '[:space:]' ' ')
  missing=0
  wanted=0
  while IFS= read -r line || [ -n "$line" ]; do
    want=$(printf '%s' "$line" | tr -s '[:space:]' ' ' | sed 's/^ //; s/ $//')
    [ -z "$want" ] && continue
    wanted=$((wanted + 1))
    if ! printf '%s' "$flat" | grep -qF -- "$want"; then
      [ $missing -lt 10 ] && echo "       room name not found: $want"
      missing=$((missing + 1))
    fi
  done <"$names"
  if [ $missing -eq 0 ]; then
    pass "pdftotext $base: all $wanted room names found"
  else
    fail "pdftotext $base: $missing of $wanted room names not found"
  fi
fi

# pdfinfo: page count.
got=$(pdfinfo "$file" 2>/dev/null | awk '/^Pages:/ {print $2}')
if [ "$got" = "$pages" ]; then
  pass "pdfinfo $base: $got pages"
else
  fail "pdfinfo $base: ${got:-no} pages, want $pages"
fi

if [ $failed -eq 0 ]; then
  echo "$name: OK ($checks checks)"
  exit 0
fi
echo "$name: FAIL ($failed of $checks checks failed)"
exit 1

#!/usr/bin/env bash
# check_xml.sh FILE XSD
#
# Validates FILE against the XML Schema XSD with libxml2's xmllint, with
# --huge (lifts libxml2's limits on text node size and nesting depth).
#
# Files up to XML_DOM_MAX_BYTES (default 512 MiB) are validated on the
# full tree (no --stream): that is the only mode in which libxml2 checks
# that xs:ID values are unique. Larger files are validated with --stream
# (flat memory); it checks types, structure and xs:key/xs:unique, but NOT
# xs:ID uniqueness.
#
# Passes only if xmllint exits 0 AND says "FILE validates": with --stream,
# xmllint prints "FILE validates" even for a file that is not well-formed
# (and exits 1), so neither signal is trusted alone.
set -uo pipefail

name=check_xml.sh
if [ $# -ne 2 ]; then
  echo "$name: usage: check_xml.sh FILE XSD" >&2
  exit 2
fi
file=$1
xsd=$2
if ! command -v xmllint >/dev/null 2>&1; then
  echo "FAIL xmllint not found (run .ci/install-readers.sh)"
  echo "$name: FAIL (xmllint missing)"
  exit 2
fi
for f in "$file" "$xsd"; do
  if [ ! -r "$f" ]; then
    echo "FAIL cannot read $f"
    echo "$name: FAIL (missing input)"
    exit 2
  fi
done

max=${XML_DOM_MAX_BYTES:-536870912}
size=$(stat -c %s "$file")
if [ "$size" -le "$max" ]; then
  mode=()
else
  mode=(--stream)
fi
label="xmllint ${mode[*]:+${mode[*]} }--schema $(basename "$xsd")"

out=$(xmllint --noout "${mode[@]}" --huge --schema "$xsd" "$file" 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qxF "$file validates"; then
  echo "ok   $label: $(basename "$file") validates"
  echo "$name: OK (1 checks)"
  exit 0
fi
echo "FAIL $label $(basename "$file") (exit $rc):"
printf '%s\n' "$out" | head -n 30 | sed 's/^/       /'
echo "$name: FAIL (schema validation failed)"
exit 1

#!/usr/bin/env bash
# selftest.sh: proves every checker passes on a small valid file and fails
# (for the right reason) on a broken one. All fixtures are made here, in a
# temporary directory that is removed on exit. Needs .ci/install-readers.sh
# to have run. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
PY=/usr/bin/python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cases=0
bad=0

# ok NAME CMD...: the command must exit 0.
ok() {
  local name=$1; shift
  cases=$((cases + 1))
  local rc=0
  "$@" >"$tmp/out" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok   $name"
  else
    bad=$((bad + 1))
    echo "FAIL $name: expected exit 0, got $rc; output:"
    sed 's/^/       /' "$tmp/out"
  fi
}

# ko NAME REGEX CMD...: the command must exit 1 and print a line matching
# REGEX (grep -E), so it is known to have failed for the intended reason.
ko() {
  local name=$1 pattern=$2; shift 2
  cases=$((cases + 1))
  local rc=0
  "$@" >"$tmp/out" 2>&1 || rc=$?
  if [ $rc -eq 1 ] && grep -Eq -- "$pattern" "$tmp/out"; then
    echo "ok   $name (fails as it should: $(grep -E -m1 -- "$pattern" "$tmp/out" | cut -c1-110))"
  else
    bad=$((bad + 1))
    echo "FAIL $name: expected exit 1 and a line matching /$pattern/, got exit $rc; output:"
    sed 's/^/       /' "$tmp/out"
  fi
}

# ---------------------------------------------------------------- fixtures
node selftest_fixtures.mjs "$tmp/fx"

cat >"$tmp/expect.json" <<'EOF'
{"tables": {"floors": 3, "rooms": 12, "elements": 40, "equipment": 4, "properties": 30, "connections": 5},
 "types": {"elements": {"id": "string", "floor": "string", "volume_m3": "double", "level": "int64", "is_external": "boolean"},
           "rooms": {"area_m2": "double"}},
 "room_names": ["Main Lobby", "会议室"],
 "features": 3}
EOF
# derive(FILE, PYTHON-EXPR on e): a copy of expect.json changed by the expression.
derive() {
  "$PY" - "$tmp/expect.json" "$1" "$2" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[3])
json.dump(e, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
EOF
}
derive "$tmp/e_count.json" 'e["tables"]["elements"] = 41'
derive "$tmp/e_type.json" 'e["types"]["elements"]["level"] = "double"'
derive "$tmp/e_name.json" 'e["room_names"].append("Missing Room")'

# ---------------------------------------------------------------- parquet
ok "parquet: valid files" node check_parquet.mjs "$tmp/fx/parquet" "$tmp/expect.json"
ko "parquet: wrong row count" 'FAIL duckdb elements count\(\*\) = 41' node check_parquet.mjs "$tmp/fx/parquet" "$tmp/e_count.json"
ko "parquet: wrong column type" 'FAIL duckdb elements.level type.*got "BIGINT"' node check_parquet.mjs "$tmp/fx/parquet" "$tmp/e_type.json"
ko "parquet: missing room name" 'FAIL duckdb rooms.name contains "Missing Room"' node check_parquet.mjs "$tmp/fx/parquet" "$tmp/e_name.json"
cp -r "$tmp/fx/parquet" "$tmp/pq_trunc"
head -c 300 "$tmp/fx/parquet/elements.parquet" >"$tmp/pq_trunc/elements.parquet"
ko "parquet: truncated file" 'FAIL (duckdb|hyparquet) elements: read error' node check_parquet.mjs "$tmp/pq_trunc" "$tmp/expect.json"
mkdir "$tmp/pq_missing" && cp "$tmp/fx/parquet/"{floors,rooms,elements,equipment,properties}.parquet "$tmp/pq_missing/"
ko "parquet: missing table file" 'FAIL connections.parquet exists' node check_parquet.mjs "$tmp/pq_missing" "$tmp/expect.json"

# ---------------------------------------------------------------- csv
mkdir "$tmp/csv"
# CRLF line ends, a quoted comma, a doubled quote, a quoted line break, CJK.
printf 'id,name,level\r\nF0,Ground,0\r\nF1,"First, ""upper""",1\r\nF2,Roof,2\r\n' >"$tmp/csv/floors.csv"
printf 'id,name,floor,area_m2\r\nR0,Main Lobby,F0,12.5\r\nR1,会议室,F1,30\r\nR2,"Store\nroom",F1,4.25\r\n' >"$tmp/csv/rooms.csv"
cat >"$tmp/csv_expect.json" <<'EOF'
{"tables": {"floors": 3, "rooms": 3},
 "types": {"floors": {"id": "string", "level": "int64"}, "rooms": {"area_m2": "double"}},
 "room_names": ["Main Lobby", "会议室", "Store\nroom"]}
EOF
ok "csv duckdb: valid files" node check_csv.mjs "$tmp/csv" "$tmp/csv_expect.json"
ok "csv csvkit: valid files" ./check_csv.sh "$tmp/csv"

sed 's/"floors": 3/"floors": 4/' "$tmp/csv_expect.json" >"$tmp/csv_count.json"
ko "csv duckdb: wrong row count" 'FAIL duckdb floors rows .* = 4' node check_csv.mjs "$tmp/csv" "$tmp/csv_count.json"

mkdir "$tmp/csv_ragged" && cp "$tmp/csv/rooms.csv" "$tmp/csv_ragged/"
printf 'id,name,level\nF0,Ground,0\nF1,First,1,extra\nF2,Roof,2\n' >"$tmp/csv_ragged/floors.csv"
ko "csv duckdb: row with an extra field (strict mode)" 'FAIL duckdb floors.csv: read error.*(sniffing|Expected Number of Columns)' node check_csv.mjs "$tmp/csv_ragged" "$tmp/csv_expect.json"
ko "csv csvkit: row with an extra field" 'Expected 3 columns, found 4' ./check_csv.sh "$tmp/csv_ragged"

mkdir "$tmp/csv_bool"
printf 'id,is_external\nE0,1\nE1,0\n' >"$tmp/csv_bool/elements.csv"
echo '{"tables": {"elements": 2}, "types": {"elements": {"is_external": "boolean"}}}' >"$tmp/csv_bool_expect.json"
ko "csv duckdb: boolean written as 1/0" 'FAIL .*is_external sniffed type.*sniffed BIGINT, want BOOLEAN' node check_csv.mjs "$tmp/csv_bool" "$tmp/csv_bool_expect.json"

# A double column whose values are whole numbers for the whole sniffing
# sample (20480 rows) and fractional after it: DuckDB sniffs BIGINT and
# then rounds the fractions silently; the checker must catch it.
mkdir "$tmp/csv_late"
awk 'BEGIN { print "id,volume_m3"; for (i = 0; i < 25000; i++) print "E" i "," (i < 24000 ? i : i + 0.5) }' >"$tmp/csv_late/elements.csv"
echo '{"tables": {"elements": 25000}, "types": {"elements": {"volume_m3": "double"}}}' >"$tmp/csv_late_expect.json"
ko "csv duckdb: fractions after the sniff sample" 'FAIL .*volume_m3 every value is a whole number' node check_csv.mjs "$tmp/csv_late" "$tmp/csv_late_expect.json"

# A row with an extra field after the sniffing sample: strict mode must
# stop the full scan.
mkdir "$tmp/csv_late_ragged"
awk 'BEGIN { print "id,v"; for (i = 0; i < 21000; i++) print "E" i "," i; print "E,1,2" }' >"$tmp/csv_late_ragged/elements.csv"
echo '{"tables": {"elements": 21001}}' >"$tmp/csv_late_ragged_expect.json"
ko "csv duckdb: extra field after the sniff sample" 'Expected Number of Columns: 2 Found: 3' node check_csv.mjs "$tmp/csv_late_ragged" "$tmp/csv_late_ragged_expect.json"

# ---------------------------------------------------------------- xlsx
ok "xlsx openpyxl: valid workbook" "$PY" check_xlsx.py "$tmp/fx/good.xlsx" "$tmp/expect.json"
ok "xlsx exceljs+sheetjs: valid workbook" node check_xlsx.mjs "$tmp/fx/good.xlsx" "$tmp/expect.json"
ko "xlsx openpyxl: formula cell" 'FAIL no formula cells' "$PY" check_xlsx.py "$tmp/fx/formula.xlsx" "$tmp/expect.json"
ko "xlsx exceljs+sheetjs: formula cell" 'FAIL sheetjs no formula cells' node check_xlsx.mjs "$tmp/fx/formula.xlsx" "$tmp/expect.json"
ko "xlsx openpyxl: header row not frozen" 'FAIL Elements header row frozen' "$PY" check_xlsx.py "$tmp/fx/nofreeze.xlsx" "$tmp/expect.json"
ko "xlsx openpyxl: wrong row count" 'FAIL Elements data rows = 41' "$PY" check_xlsx.py "$tmp/fx/good.xlsx" "$tmp/e_count.json"
ko "xlsx openpyxl: wrong cell type" 'FAIL Elements.level cells are boolean' "$PY" check_xlsx.py "$tmp/fx/good.xlsx" \
  <(sed 's/"level": "int64"/"level": "boolean"/' "$tmp/expect.json")
ko "xlsx exceljs+sheetjs: wrong row count" 'FAIL exceljs Elements actualRowCount' node check_xlsx.mjs "$tmp/fx/good.xlsx" "$tmp/e_count.json"
printf 'not a zip' >"$tmp/junk.xlsx"
ko "xlsx openpyxl: not a workbook" 'cannot open' "$PY" check_xlsx.py "$tmp/junk.xlsx" "$tmp/expect.json"

# ---------------------------------------------------------------- json
cat >"$tmp/schema.json" <<'EOF'
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.invalid/arxport-selftest.schema.json",
  "type": "object",
  "required": ["exported_at", "floors", "rooms", "elements", "connections"],
  "additionalProperties": false,
  "properties": {
    "exported_at": {"type": "string", "format": "date-time"},
    "floors": {"type": "array", "items": {"$ref": "#/$defs/floor"}},
    "rooms": {"type": "array", "items": {"$ref": "#/$defs/room"}},
    "elements": {"type": "array", "items": {"$ref": "#/$defs/element"}},
    "connections": {"type": "array", "items": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}], "items": false, "minItems": 2}}
  },
  "$defs": {
    "floor": {"type": "object", "required": ["id", "level"], "additionalProperties": false,
              "properties": {"id": {"type": "string"}, "level": {"type": "integer"}}},
    "room": {"type": "object", "required": ["id", "name"], "additionalProperties": false,
             "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string", "minLength": 1}}},
    "element": {"type": "object", "required": ["id", "volume_m3"], "additionalProperties": false,
                "properties": {"id": {"type": "string"}, "volume_m3": {"type": "number", "minimum": 0}}}
  }
}
EOF
cat >"$tmp/doc.json" <<'EOF'
{"exported_at": "2024-05-01T12:00:00Z",
 "floors": [{"id": "F0", "level": 0}, {"id": "F1", "level": 1}],
 "rooms": [{"id": "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", "name": "Main Lobby"},
           {"id": "6fa459ea-ee8a-4ca4-894e-db77e160355e", "name": "会议室"}],
 "elements": [{"id": "E0", "volume_m3": 1.5}, {"id": "E1", "volume_m3": 0}, {"id": "E2", "volume_m3": 2}],
 "connections": [["E0", "E1"]]}
EOF
echo '{"tables": {"floors": 2, "rooms": 2, "elements": 3, "connections": 1}, "room_names": ["Main Lobby", "会议室"]}' >"$tmp/json_expect.json"
ok "json ajv: valid document" node check_json.mjs "$tmp/doc.json" "$tmp/schema.json" "$tmp/json_expect.json"
sed 's/"elements": 3/"elements": 4/' "$tmp/json_expect.json" >"$tmp/json_count.json"
ko "json: wrong elements count" 'FAIL top-level elements count = 4' node check_json.mjs "$tmp/doc.json" "$tmp/schema.json" "$tmp/json_count.json"
sed -e 's/"volume_m3": 0}/"volume_m3": -1}/' -e 's/2024-05-01T12:00:00Z/yesterday/' "$tmp/doc.json" >"$tmp/doc_bad.json"
ko "json ajv: schema violations (minimum, format)" 'must match format "date-time"' node check_json.mjs "$tmp/doc_bad.json" "$tmp/schema.json" "$tmp/json_expect.json"
sed 's/"minLength": 1/"minLength": 1, "x-unknown": true/' "$tmp/schema.json" >"$tmp/schema_strict.json"
ko "json ajv: unknown schema keyword (strict mode)" 'FAIL schema .* compiles.*unknown keyword' node check_json.mjs "$tmp/doc.json" "$tmp/schema_strict.json" "$tmp/json_expect.json"

# ---------------------------------------------------------------- xml
cat >"$tmp/model.xsd" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:arxport:selftest"
           targetNamespace="urn:arxport:selftest" elementFormDefault="qualified">
  <xs:element name="building">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="room" maxOccurs="unbounded">
          <xs:complexType>
            <xs:attribute name="id" type="xs:string" use="required"/>
            <xs:attribute name="name" type="xs:string" use="required"/>
            <xs:attribute name="area_m2" type="xs:double" use="required"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
    <xs:key name="roomId"><xs:selector xpath="a:room"/><xs:field xpath="@id"/></xs:key>
  </xs:element>
</xs:schema>
EOF
cat >"$tmp/good.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<building xmlns="urn:arxport:selftest">
  <room id="R0" name="Main Lobby" area_m2="12.5"/>
  <room id="R1" name="会议室" area_m2="30"/>
</building>
EOF
sed 's/area_m2="30"/area_m2="thirty"/' "$tmp/good.xml" >"$tmp/bad_type.xml"
sed 's/id="R1"/id="R0"/' "$tmp/good.xml" >"$tmp/bad_key.xml"
head -n 3 "$tmp/good.xml" >"$tmp/bad_wf.xml"
ok "xml xmllint: valid document" ./check_xml.sh "$tmp/good.xml" "$tmp/model.xsd"
ok "xml xmllint --stream: valid document" env XML_DOM_MAX_BYTES=0 ./check_xml.sh "$tmp/good.xml" "$tmp/model.xsd"
ko "xml xmllint: value breaks the XSD type" "not a valid value of the atomic type 'xs:double'" ./check_xml.sh "$tmp/bad_type.xml" "$tmp/model.xsd"
ko "xml xmllint --stream: value breaks the XSD type" "not a valid value of the atomic type 'xs:double'" env XML_DOM_MAX_BYTES=0 ./check_xml.sh "$tmp/bad_type.xml" "$tmp/model.xsd"
ko "xml xmllint --stream: duplicate xs:key" 'Duplicate key-sequence' env XML_DOM_MAX_BYTES=0 ./check_xml.sh "$tmp/bad_key.xml" "$tmp/model.xsd"
ko "xml xmllint --stream: not well-formed" 'failed to parse|parser error' env XML_DOM_MAX_BYTES=0 ./check_xml.sh "$tmp/bad_wf.xml" "$tmp/model.xsd"

# ---------------------------------------------------------------- geojson
# Feature 0: square with a hole (exterior CCW, hole CW); feature 1:
# MultiPolygon; feature 2: Point. Coordinates are lon, lat.
cat >"$tmp/good.geojson" <<'EOF'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "id": "R0", "properties": {"name": "Main Lobby", "level": 0},
  "geometry": {"type": "Polygon", "coordinates": [
    [[13.40, 52.50], [13.41, 52.50], [13.41, 52.51], [13.40, 52.51], [13.40, 52.50]],
    [[13.402, 52.502], [13.402, 52.504], [13.404, 52.504], [13.404, 52.502], [13.402, 52.502]]]}},
 {"type": "Feature", "id": "R1", "properties": {"name": "会议室", "level": 1},
  "geometry": {"type": "MultiPolygon", "coordinates": [
    [[[13.42, 52.50], [13.43, 52.50], [13.43, 52.51], [13.42, 52.50]]],
    [[[13.44, 52.50], [13.45, 52.50], [13.45, 52.51], [13.44, 52.51], [13.44, 52.50]]]]}},
 {"type": "Feature", "id": "Q0", "properties": {"name": "pump", "level": 0},
  "geometry": {"type": "Point", "coordinates": [13.405, 52.505]}}
]}
EOF
ok "geojson: valid collection" node check_geojson.mjs "$tmp/good.geojson" "$tmp/expect.json"
derive "$tmp/e_feat.json" 'e["features"] = 4'
ko "geojson: wrong feature count" 'FAIL ogrinfo Feature Count = 4' node check_geojson.mjs "$tmp/good.geojson" "$tmp/e_feat.json"
# Exterior ring of feature 0 reversed to clockwise: check-geojson accepts it,
# our winding check must not.
"$PY" - "$tmp/good.geojson" "$tmp/cw.geojson" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["features"][0]["geometry"]["coordinates"][0].reverse()
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
EOF
ko "geojson: clockwise exterior ring" 'FAIL exterior rings counter-clockwise.*' node check_geojson.mjs "$tmp/cw.geojson" "$tmp/expect.json"
sed 's/\[13.44, 52.51\], \[13.44, 52.50\]\]/[13.44, 52.51], [13.44, 52.505]]/' "$tmp/good.geojson" >"$tmp/open.geojson"
ko "geojson: ring not closed" 'First and last positions' node check_geojson.mjs "$tmp/open.geojson" "$tmp/expect.json"
sed 's/\[13.405, 52.505\]/[52.505, 93.405]/' "$tmp/good.geojson" >"$tmp/range.geojson"
ko "geojson: latitude out of range" 'out of range' node check_geojson.mjs "$tmp/range.geojson" "$tmp/expect.json"
sed 's/"properties": {"name": "pump", "level": 0},//' "$tmp/good.geojson" >"$tmp/noprops.geojson"
ko "geojson: feature without properties" 'The properties member is missing' node check_geojson.mjs "$tmp/noprops.geojson" "$tmp/expect.json"

# The same checks in the mode used for files over GEOJSON_WHOLE_MAX_BYTES
# (check-geojson run feature by feature).
ok "geojson per-feature mode: valid collection" env GEOJSON_WHOLE_MAX_BYTES=0 node check_geojson.mjs "$tmp/good.geojson" "$tmp/expect.json"
ko "geojson per-feature mode: ring not closed" 'FAIL check-geojson \(per feature.*feature 1: ' env GEOJSON_WHOLE_MAX_BYTES=0 node check_geojson.mjs "$tmp/open.geojson" "$tmp/expect.json"
ko "geojson per-feature mode: feature without properties" 'FAIL check-geojson \(per feature.*feature 2: ' env GEOJSON_WHOLE_MAX_BYTES=0 node check_geojson.mjs "$tmp/noprops.geojson" "$tmp/expect.json"

# ---------------------------------------------------------------- usage
rc=0; node check_parquet.mjs >/dev/null 2>&1 || rc=$?
cases=$((cases + 1))
if [ $rc -eq 2 ]; then echo "ok   usage error exits 2"; else bad=$((bad + 1)); echo "FAIL usage error: exit $rc, want 2"; fi

if [ $bad -gt 0 ]; then
  echo "selftest: FAIL ($bad of $cases cases)"
  exit 1
fi
echo "selftest: OK ($cases cases)"

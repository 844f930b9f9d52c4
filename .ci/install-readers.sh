#!/usr/bin/env bash
# install-readers.sh: installs the independent readers that the Go tests
# use to validate exported files (see test/readers/), then prints their
# versions. Idempotent and quiet: Debian packages are only installed when
# one is missing, and `npm ci` only runs when test/readers/node_modules does
# not match package-lock.json. Any failure prints the tool's log and exits
# non-zero.
#
# Debian: python3 (+ python3-openpyxl), libxml2-utils (xmllint), gdal-bin
#         (ogrinfo), csvkit (csvclean).
# npm (test/readers/package-lock.json): @duckdb/node-api, hyparquet,
#         hyparquet-compressors, @placemarkio/check-geojson, ajv, ajv-formats,
#         exceljs, xlsx.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readers="$root/test/readers"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

die() {
  echo "install-readers: ERROR: $*" >&2
  if [ -s "$log" ]; then
    echo "---- log ----" >&2
    tail -n 60 "$log" >&2
  fi
  exit 1
}

# ---- Debian packages -------------------------------------------------------
apt_pkgs=(python3 python3-openpyxl python3-ezdxf libxml2-utils gdal-bin csvkit assimp-utils qpdf poppler-utils fonts-droid-fallback occt-draw chromium docker-compose)
missing=()
for p in "${apt_pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >"$log" 2>&1 \
    || { sleep 5; "${sudo[@]}" apt-get update -qq >"$log" 2>&1; } \
    || die "apt-get update failed"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >"$log" 2>&1 \
    || die "apt-get install ${missing[*]} failed"
fi
for tool in /usr/bin/python3 xmllint ogrinfo csvclean; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found after installing ${apt_pkgs[*]}"
done
/usr/bin/python3 -c 'import openpyxl' >"$log" 2>&1 || die "/usr/bin/python3 cannot import openpyxl"

# ---- npm packages ----------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not installed (Node 20 or newer is needed)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node -v) is too old: Node 20 or newer is needed"

[ -f "$readers/package-lock.json" ] || die "$readers/package-lock.json is missing"
want_stamp=$( (cat "$readers/package-lock.json"; node -v) | sha256sum | cut -d' ' -f1)
stamp_file="$readers/node_modules/.install-readers.stamp"
if [ ! -f "$stamp_file" ] || [ "$(cat "$stamp_file")" != "$want_stamp" ]; then
  (cd "$readers" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1 \
    || die "npm ci in test/readers failed"
  echo "$want_stamp" >"$stamp_file"
fi

# ---- versions (also proves every reader loads) -----------------------------
: >"$log"
(
  cd "$readers"
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import duckdb from "@duckdb/node-api";
    import XLSX from "xlsx";
    const v = (p) => JSON.parse(readFileSync(`node_modules/${p}/package.json`, "utf8")).version;
    await import("hyparquet"); await import("hyparquet-compressors");
    await import("@placemarkio/check-geojson"); await import("ajv/dist/2020.js");
    await import("ajv-formats"); await import("exceljs");
    console.log(`node                       ${process.version}`);
    console.log(`@duckdb/node-api           ${v("@duckdb/node-api")} (DuckDB ${duckdb.version()})`);
    for (const p of ["hyparquet", "hyparquet-compressors", "@placemarkio/check-geojson", "ajv", "ajv-formats", "exceljs"])
      console.log(`${p.padEnd(27)}${v(p)}`);
    console.log(`xlsx (SheetJS)             ${XLSX.version}`);
  '
) 2>"$log" || die "a node reader failed to load"
printf '%-27s%s\n' "openpyxl" "$(/usr/bin/python3 -c 'import openpyxl, sys; print(openpyxl.__version__, "(python", sys.version.split()[0] + ")")')"
printf '%-27s%s\n' "xmllint (libxml2)" "$(xmllint --version 2>&1 | head -n1 | sed 's/^xmllint: using libxml version //')"
printf '%-27s%s\n' "ogrinfo (GDAL)" "$(ogrinfo --version | sed 's/^GDAL //')"
printf '%-27s%s\n' "csvkit (csvclean)" "$(csvclean --version 2>&1 | sed 's/^csvclean //')"

#!/usr/bin/env bash
# check_occt.sh FILE EXPECT.json
#
# Reads a STEP (.step/.stp) or IGES (.iges/.igs) file with OpenCASCADE's DRAW
# (Debian occt-draw): stepread or igesread by the file's extension, every root,
# lengths in metres (xstep.cascade.unit M), all shapes gathered in one
# compound; then checks
#   - the file reads and yields shapes;
#   - checkshape finds no fault in the compound;
#   - the number of solids (nbshapes) equals EXPECT.solids;
#   - every solid's vprops volume is positive, and their sum is within
#     EXPECT.tolerance (relative, default 0.001 = 0.1 %) of EXPECT.volume (m³);
#   - with EXPECT.names, every name is the name of a shape label when the file
#     is read again through XDE (ReadStep/ReadIges: product names, decoded).
# EXPECT.json keys are optional:
#   {"solids": 52, "volume": 291.46, "tolerance": 0.001, "names": ["Wall 1"]}.
# Prints `ok   <check>` / `FAIL <check>: <why>`, then a summary line. Exits 0
# when every check passed, 1 when one failed, 2 on a usage error, a missing
# input or a missing tool. OCCT_KEEP=1 keeps the DRAW script and its output.
set -uo pipefail

name=check_occt.sh
if [ $# -ne 2 ]; then
  echo "$name: usage: check_occt.sh FILE EXPECT.json" >&2
  exit 2
fi
file=$1
expect=$2
for f in "$file" "$expect"; do
  if [ ! -r "$f" ]; then
    echo "FAIL cannot read $f"
    echo "$name: FAIL (missing input)"
    exit 2
  fi
done
case ${file,,} in
  *.step|*.stp) read_cmd=stepread xde_cmd=ReadStep ;;
  *.iges|*.igs) read_cmd=igesread xde_cmd=ReadIges ;;
  *) echo "$name: $file: the extension must be .step, .stp, .iges or .igs" >&2; exit 2 ;;
esac
draw=""
for c in DRAWEXE occt-draw occt-draw-7.6 occt-draw-7.7 occt-draw-7.8; do
  if command -v "$c" >/dev/null 2>&1; then draw=$(command -v "$c"); break; fi
done
if [ -z "$draw" ] || ! command -v python3 >/dev/null 2>&1; then
  echo "FAIL DRAW (occt-draw) or python3 not found (run .ci/install-readers.sh)"
  echo "$name: FAIL (tool missing)"
  exit 2
fi

tmp=$(mktemp -d)
if [ "${OCCT_KEEP:-}" = "1" ]; then
  echo "# DRAW script and output kept in $tmp" >&2
else
  trap 'rm -rf "$tmp"' EXIT
fi

# Debian's DRAW loads its plugins as libTK*.so, which only the -dev packages
# provide: point the loader at the versioned libraries instead.
libdir=$(dirname "$(ldd "$draw" | awk '/libTKDraw/ {print $3}')")
if [ -n "$libdir" ] && [ ! -e "$libdir/libTKTopTest.so" ]; then
  mkdir -p "$tmp/lib"
  for so in "$libdir"/libTK*.so.[0-9]; do
    ln -sf "$so" "$tmp/lib/$(basename "$so" | sed 's/\.so\.[0-9]*$/.so/')"
  done
  export LD_LIBRARY_PATH="$tmp/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

abs=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
want_names=$(python3 -c 'import json,sys; print(1 if "names" in json.load(open(sys.argv[1])) else 0)' "$expect") || {
  echo "FAIL $expect is not JSON"; echo "$name: FAIL (bad input)"; exit 2; }
cat >"$tmp/check.tcl" <<TCL
pload MODELING DATAEXCHANGE
param xstep.cascade.unit M
if {[catch {$read_cmd {$abs} r *} err]} { puts "READ-ERROR \$err" ; exit }
set parts {}
foreach v [concat [directory r] [directory r_*]] { if {\$v ni \$parts} { lappend parts \$v } }
if {[llength \$parts] == 0} { puts "READ-ERROR no shape" ; exit }
compound {*}\$parts all
puts "CHECKSHAPE-BEGIN"
puts [checkshape all]
puts "CHECKSHAPE-END"
puts "NBSHAPES-BEGIN"
puts [nbshapes all]
puts "NBSHAPES-END"
set n [llength [explode all So]]
for {set i 1} {\$i <= \$n} {incr i} {
  set out [vprops all_\$i]
  if {[regexp {Mass\s*:\s*(\S+)} \$out -> v]} { puts "VOLUME \$i \$v" } else { puts "VOLUME \$i ?" }
}
if {$want_names} {
  pload XDE OCAF
  if {[catch {$xde_cmd D {$abs}} err]} { puts "NAMES-ERROR \$err" } else {
    foreach l [XGetTopLevelShapes D] {
      if {![catch {GetName D \$l} n]} { puts "NAME [binary encode hex [encoding convertto utf-8 \$n]]" }
    }
  }
}
puts "DONE"
exit
TCL
(cd "$tmp" && timeout "${OCCT_TIMEOUT:-1200}" "$draw" -b -f "$tmp/check.tcl") >"$tmp/out.txt" 2>&1
rc=$?

python3 - "$tmp/out.txt" "$expect" "$(basename "$file")" "$read_cmd" "$rc" <<'PY'
import json, re, sys
out_path, expect_path, base, read_cmd, rc = sys.argv[1:6]
text = open(out_path, errors="replace").read()
x = json.load(open(expect_path))
checks = failed = 0
def ok(msg):
    global checks; checks += 1; print("ok   " + msg)
def fail(msg):
    global checks, failed; checks += 1; failed += 1; print("FAIL " + msg)
def tail(s, n=15):
    return "\n".join("       " + l for l in s.strip().splitlines()[-n:])

if "DONE" not in text or "READ-ERROR" in text:
    m = re.search(r"READ-ERROR (.*)", text)
    fail(f"{read_cmd} {base}: {m.group(1) if m else 'DRAW stopped (exit ' + rc + ')'}\n" + tail(text))
    print(f"check_occt.sh: FAIL ({failed} of {checks} checks)")
    sys.exit(1)
ok(f"{read_cmd} {base}: read")

cs = text.split("CHECKSHAPE-BEGIN", 1)[1].split("CHECKSHAPE-END", 1)[0]
if "This shape seems to be valid" in cs and "Faulty" not in cs:
    ok("checkshape: no fault")
else:
    fail("checkshape:\n" + tail(cs, 25))

nb = text.split("NBSHAPES-BEGIN", 1)[1].split("NBSHAPES-END", 1)[0]
m = re.search(r"SOLID\s*:\s*(\d+)", nb)
solids = int(m.group(1)) if m else 0
if "solids" in x:
    if solids == x["solids"]:
        ok(f"solids: {solids}")
    else:
        fail(f"solids: {solids}, want {x['solids']}")

vols = re.findall(r"^VOLUME (\d+) (\S+)", text, re.M)
bad = [(i, v) for i, v in vols if not re.match(r"^[0-9.eE+-]+$", v) or float(v) <= 0]
if bad:
    fail(f"volumes: {len(bad)} solids without a positive volume, e.g. solid {bad[0][0]}: {bad[0][1]}")
else:
    ok(f"volumes: all {len(vols)} solids positive")
total = sum(float(v) for _, v in vols if re.match(r"^[0-9.eE+-]+$", v))
if "volume" in x:
    want, tol = float(x["volume"]), float(x.get("tolerance", 0.001))
    err = abs(total - want) / max(abs(want), 1e-12)
    if err <= tol:
        ok(f"volume: {total:.6g} m3, want {want:.6g} ({err*100:.4f} %)")
    else:
        fail(f"volume: {total:.6g} m3, want {want:.6g} ({err*100:.4f} % > {tol*100:g} %)")

if "names" in x:
    got = {bytes.fromhex(h).decode("utf-8", "replace") for h in re.findall(r"^NAME ([0-9a-fA-F]*)$", text, re.M)}
    missing = [n for n in x["names"] if n not in got]
    if "NAMES-ERROR" in text:
        fail("names: XDE could not read the file: " + re.search(r"NAMES-ERROR (.*)", text).group(1))
    elif missing:
        fail(f"names: {len(missing)} of {len(x['names'])} not found, e.g. {missing[0]!r} (read {len(got)} names)")
    else:
        ok(f"names: all {len(x['names'])} read back identical")

if failed:
    print(f"check_occt.sh: FAIL ({failed} of {checks} checks)")
    sys.exit(1)
print(f"check_occt.sh: OK ({checks} checks)")
PY

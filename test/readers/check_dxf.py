"""check_dxf.py FILE EXPECT.json  -- run with /usr/bin/python3 (Debian's python3-ezdxf).

Reads a DXF file with ezdxf and with GDAL's ogrinfo and checks:
  * ezdxf.recover.readfile loads it and its auditor reports no error and no
    fix (recover repairs what a plain reader would trip over, and logs it);
  * doc.audit() on the loaded document reports no error and no fix;
  * $ACADVER is AC1015 (R2000) or later; $INSUNITS equals EXPECT.insunits;
  * every EXPECT.layers name is in the LAYER table, every EXPECT.blocks name
    is a block;
  * for each layer in EXPECT.counts and each entity type under it, the number
    of such entities on that layer, in all blocks and layouts together,
    equals the expectation (e.g. {"A-WALL": {"LWPOLYLINE": 17}});
  * every EXPECT.texts entry occurs in the decoded content of some TEXT or
    MTEXT (\\U+XXXX escapes, UTF-16 surrogate pairs, MTEXT codes, caret
    notation and %%%-escapes undone);
  * ogrinfo -ro -al -so FILE exits 0 without an ERROR and lists features when
    any are expected, and ogrinfo's SQL "SELECT DISTINCT Layer FROM entities"
    sees every layer of EXPECT.entity_layers. GDAL inlines blocks; by default
    it merges the entities of one INSERT into a single feature on the
    INSERT's layer, so for a file whose drawing lives in blocks pass
    EXPECT.gdal_config {"DXF_MERGE_BLOCK_GEOMETRIES": "FALSE"}: the layer
    query then runs with those --config options and sees each entity of
    every block on its own layer.

Output: one "ok   ..." / "FAIL ...: ..." line per check, then a summary.
Exit 0 if all passed, 1 if any failed, 2 on a usage error.
"""

import json
import os
import re
import subprocess
import sys

NAME = "check_dxf.py"


class Report:
    def __init__(self):
        self.total = 0
        self.failed = 0

    def ok(self, what):
        self.total += 1
        print(f"ok   {what}")

    def fail(self, what, detail):
        self.total += 1
        self.failed += 1
        print(f"FAIL {what}: {detail}")

    def check(self, cond, what, detail):
        if cond:
            self.ok(what)
        else:
            self.fail(what, detail)
        return cond

    def finish(self):
        if self.failed:
            print(f"{NAME}: FAIL ({self.failed} of {self.total} checks failed)")
            sys.exit(1)
        print(f"{NAME}: OK ({self.total} checks)")
        sys.exit(0)


def usage(msg):
    print(f"{NAME}: {msg}", file=sys.stderr)
    print(f"usage: /usr/bin/python3 {NAME} FILE EXPECT.json", file=sys.stderr)
    sys.exit(2)


def join_surrogates(s):
    """ezdxf decodes each \\U+XXXX on its own, so a character beyond U+FFFF
    written as a UTF-16 surrogate pair arrives as two lone surrogates."""
    try:
        return s.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeError:
        return s


def plain_text(entity):
    t = entity.dxftype()
    if t == "MTEXT":
        s = entity.plain_text()
    else:
        # TEXT: caret notation ("^ " is a caret) and "%%%" (a literal percent
        # sign) are undone by hand, as AutoCAD reads them.
        s = entity.dxf.text
        s = re.sub(r"\^(.)", lambda m: chr((ord(m.group(1)) - 64) % 126), s)
        s = s.replace("%%%", "%")
    return join_surrogates(s)


def problems(auditor):
    out = []
    for e in list(auditor.errors) + list(auditor.fixes):
        out.append(f"[{e.code}] {e.message}")
    return out


def main():
    if len(sys.argv) != 3:
        usage("wrong number of arguments")
    path, expect_path = sys.argv[1], sys.argv[2]
    if not os.path.isfile(path):
        usage(f"{path}: no such file")
    try:
        with open(expect_path, encoding="utf-8") as f:
            expect = json.load(f)
    except (OSError, ValueError) as err:
        usage(f"{expect_path}: {err}")

    rep = Report()
    try:
        import ezdxf
        from ezdxf import recover
    except ImportError as err:
        rep.fail("import ezdxf", err)
        rep.finish()

    try:
        doc, auditor = recover.readfile(path)
    except Exception as err:  # noqa: BLE001 - any failure to load is the finding
        rep.fail("ezdxf recover.readfile", f"{type(err).__name__}: {err}")
        rep.finish()
    p = problems(auditor)
    rep.check(not p, "ezdxf recover: no error, no fix", "; ".join(p[:20]))

    a2 = doc.audit()
    p = problems(a2)
    rep.check(not p, "ezdxf audit: no error, no fix", "; ".join(p[:20]))

    ver = doc.dxfversion
    rep.check(ver >= "AC1015", "$ACADVER AC1015 or later", f"got {ver}")
    if "insunits" in expect:
        got = doc.header.get("$INSUNITS")
        rep.check(got == expect["insunits"], f"$INSUNITS = {expect['insunits']}", f"got {got}")

    names = {layer.dxf.name for layer in doc.layers}
    missing = [n for n in (expect.get("layers") or []) if n not in names]
    rep.check(not missing, f"{len(expect.get('layers') or [])} layers present", f"missing {missing}")
    missing = [n for n in (expect.get("blocks") or []) if n not in doc.blocks]
    rep.check(not missing, f"{len(expect.get('blocks') or [])} blocks present", f"missing {missing}")

    counts = {}
    texts = []
    for block in doc.blocks:
        for e in block:
            key = (e.dxf.layer, e.dxftype())
            counts[key] = counts.get(key, 0) + 1
            if e.dxftype() in ("TEXT", "MTEXT"):
                texts.append(plain_text(e))
    for layer, by_type in sorted((expect.get("counts") or {}).items()):
        for typ, want in sorted(by_type.items()):
            got = counts.get((layer, typ), 0)
            rep.check(got == want, f"{want} {typ} on {layer}", f"found {got}")

    want_texts = (expect.get("texts") or [])
    blob = "\x00".join(texts)
    missing = [t for t in want_texts if t not in blob]
    rep.check(not missing, f"{len(want_texts)} texts found in TEXT/MTEXT",
              f"missing {[m[:60] for m in missing[:10]]}")

    # GDAL
    try:
        r = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        rep.fail("ogrinfo runs", err)
        rep.finish()
    out = r.stdout + r.stderr
    ok = r.returncode == 0 and "ERROR" not in out
    rep.check(ok, "ogrinfo -al -so reads the file", f"exit {r.returncode}: {out[-800:]}")
    m = re.search(r"Feature Count: (\d+)", r.stdout)
    features = int(m.group(1)) if m else -1
    if expect.get("entity_layers"):
        rep.check(features > 0, "ogrinfo lists features", f"feature count {features}")
        config = []
        for k, v in sorted((expect.get("gdal_config") or {}).items()):
            config += ["--config", k, v]
        r = subprocess.run(["ogrinfo"] + config + ["-ro", "-q", "-sql", "SELECT DISTINCT Layer FROM entities", path],
                           capture_output=True, text=True, timeout=600)
        seen = set(re.findall(r"Layer \(String\) = (.*)", r.stdout))
        missing = [n for n in expect["entity_layers"] if n not in seen]
        rep.check(r.returncode == 0 and not missing, f"GDAL sees entities on {len(expect['entity_layers'])} layers",
                  f"exit {r.returncode}, missing {missing}; seen {sorted(seen)}; {r.stderr[-400:]}")
    rep.finish()


if __name__ == "__main__":
    main()

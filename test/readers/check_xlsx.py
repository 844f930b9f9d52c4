"""check_xlsx.py FILE EXPECT.json  -- run with /usr/bin/python3 (Debian's openpyxl).

Opens the workbook with openpyxl (full mode, so sheet views, filters and
column dimensions are read) and checks:
  * load_workbook emits no warning at all;
  * the sheets Summary, Floors, Rooms, Elements, Equipment, Properties,
    Connections exist;
  * for every table in EXPECT.tables, the sheet whose lower-cased name is
    the table name has a header row plus exactly tables[t] data rows, no
    empty row among them, the header row frozen (freeze_panes == "A2"),
    a filter on the header row (ws.auto_filter.ref, or an Excel table
    starting at A1 with a header row), and a width for column A;
  * every value of the columns listed in EXPECT.types has the right Python
    type (double/int64 -> int or float, boolean -> bool, string -> str);
    empty cells are allowed;
  * every EXPECT.room_names entry occurs in the Rooms sheet's name column;
  * no cell in any sheet holds a formula or a string starting with "=".

Output: one "ok   ..." / "FAIL ...: ..." line per check, then a summary.
Exit 0 if all passed, 1 if any failed, 2 on a usage error.
"""

import json
import os
import sys
import warnings

NAME = "check_xlsx.py"
REQUIRED_SHEETS = ["Summary", "Floors", "Rooms", "Elements", "Equipment", "Properties", "Connections"]
TYPE_NAMES = ("string", "int64", "double", "boolean")


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


def die(msg, code):
    print(f"FAIL {msg}")
    print(f"{NAME}: FAIL ({msg.splitlines()[0]})")
    sys.exit(code)


def type_ok(ty, v):
    if ty == "boolean":
        return isinstance(v, bool)
    if ty in ("int64", "double"):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, str)


def main():
    if len(sys.argv) != 3:
        print(f"{NAME}: usage: /usr/bin/python3 check_xlsx.py FILE EXPECT.json", file=sys.stderr)
        sys.exit(2)
    path, expect_path = sys.argv[1], sys.argv[2]
    try:
        with open(expect_path, encoding="utf-8") as f:
            expect = json.load(f)
    except (OSError, ValueError) as e:
        die(f"cannot read expectation {expect_path}: {e}", 2)
    tables = expect.get("tables", {})
    types = expect.get("types", {})
    room_names = expect.get("room_names", [])
    room_col = expect.get("room_name_column", "name")
    for t, cols in types.items():
        for c, ty in cols.items():
            if ty not in TYPE_NAMES:
                die(f"expectation: types.{t}.{c} is {ty!r}, want one of {', '.join(TYPE_NAMES)}", 2)
    if not os.path.exists(path):
        die(f"{path} does not exist", 2)

    import openpyxl

    r = Report()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(path)
        except Exception as e:  # any failure to open is a failed check
            die(f"openpyxl {openpyxl.__version__} cannot open {path}: {type(e).__name__}: {e}", 1)
    msgs = [f"{w.category.__name__}: {w.message}" for w in caught]
    r.check(not msgs, "openpyxl load_workbook emits no warnings", "; ".join(msgs))

    names = wb.sheetnames
    for s in REQUIRED_SHEETS:
        r.check(s in names, f"sheet {s} exists", f"sheets are {names}")
    by_lower = {n.lower(): n for n in names}

    for t, want in tables.items():
        sname = by_lower.get(t.lower())
        if sname is None:
            r.fail(f"sheet for table {t}", f"no sheet named {t} (any case); sheets are {names}")
            continue
        ws = wb[sname]
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[0]) if rows else []
        r.check(bool(header) and all(h is not None for h in header), f"{sname} header row present",
                f"header row is {header}")
        data = rows[1:]
        r.check(len(data) == want, f"{sname} data rows = {want}", f"expected {want}, got {len(data)} (max_row {ws.max_row})")
        empty = [i + 2 for i, row in enumerate(data) if all(v is None for v in row)]
        r.check(not empty, f"{sname} has no empty rows", f"empty rows at {empty[:10]}")

        pane = ws.sheet_view.pane
        r.check(ws.freeze_panes == "A2" and pane is not None and pane.state == "frozen",
                f"{sname} header row frozen (freeze_panes A2)",
                f"freeze_panes={ws.freeze_panes!r} pane state={getattr(pane, 'state', None)!r}")
        # A filter on the header row: either the sheet's own autoFilter
        # (ws.auto_filter.ref), or an Excel table starting at A1 with a
        # header row (that is how excelize's StreamWriter gets one).
        ref = ws.auto_filter.ref
        table_refs = [tb.ref for tb in ws.tables.values()
                      if tb.ref and tb.ref.upper().startswith("A1:") and tb.headerRowCount != 0]
        if ref:
            r.ok(f"{sname} autofilter set (sheet autoFilter {ref})")
        elif table_refs:
            r.ok(f"{sname} autofilter set (table {table_refs[0]})")
        else:
            r.fail(f"{sname} autofilter set", "ws.auto_filter.ref is empty and no table with a header row starts at A1")
        width = None
        for d in ws.column_dimensions.values():
            lo = d.min or openpyxl.utils.column_index_from_string(d.index)
            hi = d.max or lo
            if lo <= 1 <= hi and d.width:
                width = d.width
        r.check(width is not None, f"{sname} column A width set ({width})", "no <col> width covers column A")

        col_index = {h: i for i, h in enumerate(header)}
        for col, ty in types.get(t, {}).items():
            what = f"{sname}.{col} cells are {ty}"
            if col not in col_index:
                r.fail(what, f"no column {col!r} in header {header}")
                continue
            i = col_index[col]
            bad = None
            for n, row in enumerate(data):
                v = row[i] if i < len(row) else None
                if v is not None and not type_ok(ty, v):
                    bad = f"row {n + 2}: {type(v).__name__} {v!r}"
                    break
            r.check(bad is None, what, bad)

        if t == "rooms" and room_names:
            if room_col not in col_index:
                r.fail(f"{sname}.{room_col} room names", f"no column {room_col!r} in header {header}")
            else:
                present = {row[col_index[room_col]] for row in data if col_index[room_col] < len(row)}
                for nm in room_names:
                    r.check(nm in present, f"{sname}.{room_col} contains {nm!r}", "not found")

    formulas = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")):
                    formulas.append(f"{ws.title}!{c.coordinate}={c.value!r}")
    r.check(not formulas, "no formula cells in any sheet", f"{len(formulas)} found, e.g. {formulas[:5]}")
    r.finish()


if __name__ == "__main__":
    main()

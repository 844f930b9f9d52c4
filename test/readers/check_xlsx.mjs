// check_xlsx.mjs FILE EXPECT.json
//
// Two more independent xlsx readers:
//   exceljs: worksheet.actualRowCount and worksheet.rowCount both equal
//            1 (header) + tables[t]; no formula cell.
//   SheetJS (xlsx): the sheet's !ref range spans 1 + tables[t] rows and
//            sheet_to_json(header: 1) returns as many rows; no cell has a
//            formula (.f).
// Both: every EXPECT.room_names entry is in the Rooms sheet's name column.
// The table sheet is the one whose lower-cased name is the table name.

import { existsSync, readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import XLSX from 'xlsx';
import { Report, loadExpect, usage, fatal, fmt } from './lib.mjs';

const NAME = 'check_xlsx.mjs';
if (process.argv.length !== 4) usage(NAME, 'node check_xlsx.mjs FILE EXPECT.json');
const [path, expectPath] = process.argv.slice(2);
const expect = loadExpect(NAME, expectPath);
if (!existsSync(path)) fatal(NAME, `${path} does not exist`, 2);
if (Object.keys(expect.tables).length === 0) fatal(NAME, 'expectation has no tables', 2);

const r = new Report(NAME);
const tables = Object.entries(expect.tables);
const roomCol = expect.roomNameColumn;

// ---- exceljs ----
try {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const byLower = new Map(wb.worksheets.map((ws) => [ws.name.toLowerCase(), ws]));
  for (const [t, want] of tables) {
    const ws = byLower.get(t.toLowerCase());
    if (!ws) {
      r.fail(`exceljs sheet for ${t}`, `no sheet named ${t}; sheets: ${wb.worksheets.map((w) => w.name).join(', ')}`);
      continue;
    }
    r.equal(ws.actualRowCount, want + 1, `exceljs ${ws.name} actualRowCount (header + rows)`);
    r.equal(ws.rowCount, want + 1, `exceljs ${ws.name} rowCount (last row)`);
    if (t === 'rooms' && expect.roomNames.length > 0) {
      const header = ws.getRow(1).values; // 1-based sparse array
      const ci = header.indexOf(roomCol);
      if (ci < 1) r.fail(`exceljs ${ws.name}.${roomCol}`, `no column ${fmt(roomCol)} in header`);
      else {
        const names = new Set();
        ws.getColumn(ci).eachCell((cell, rowNo) => { if (rowNo > 1) names.add(cell.text); });
        for (const n of expect.roomNames) r.check(names.has(n), `exceljs ${ws.name}.${roomCol} contains ${fmt(n)}`, 'not found');
      }
    }
  }
  const formulas = [];
  for (const ws of wb.worksheets) {
    ws.eachRow((row) => row.eachCell((cell) => {
      if (cell.type === ExcelJS.ValueType.Formula) formulas.push(`${ws.name}!${cell.address}`);
    }));
  }
  r.check(formulas.length === 0, 'exceljs no formula cells', `${formulas.length} found, e.g. ${formulas.slice(0, 5).join(', ')}`);
} catch (err) {
  r.fail('exceljs read', err.message);
}

// ---- SheetJS ----
try {
  const wb = XLSX.read(readFileSync(path), { type: 'buffer', cellFormula: true });
  const byLower = new Map(wb.SheetNames.map((n) => [n.toLowerCase(), n]));
  for (const [t, want] of tables) {
    const name = byLower.get(t.toLowerCase());
    if (!name) {
      r.fail(`sheetjs sheet for ${t}`, `no sheet named ${t}; sheets: ${wb.SheetNames.join(', ')}`);
      continue;
    }
    const ws = wb.Sheets[name];
    const ref = ws['!ref'];
    const span = ref ? XLSX.utils.decode_range(ref).e.r - XLSX.utils.decode_range(ref).s.r + 1 : 0;
    r.equal(span, want + 1, `sheetjs ${name} !ref ${ref} rows (header + rows)`);
    const rows = XLSX.utils.sheet_to_json(ws, { header: 1, blankrows: false, defval: null });
    r.equal(rows.length, want + 1, `sheetjs ${name} sheet_to_json non-blank rows`);
    if (t === 'rooms' && expect.roomNames.length > 0) {
      const ci = (rows[0] ?? []).indexOf(roomCol);
      if (ci < 0) r.fail(`sheetjs ${name}.${roomCol}`, `no column ${fmt(roomCol)} in header`);
      else {
        const names = new Set(rows.slice(1).map((row) => row[ci]));
        for (const n of expect.roomNames) r.check(names.has(n), `sheetjs ${name}.${roomCol} contains ${fmt(n)}`, 'not found');
      }
    }
  }
  const formulas = [];
  for (const name of wb.SheetNames) {
    const ws = wb.Sheets[name];
    for (const [addr, cell] of Object.entries(ws)) {
      if (!addr.startsWith('!') && cell.f !== undefined) formulas.push(`${name}!${addr}`);
    }
  }
  r.check(formulas.length === 0, 'sheetjs no formula cells', `${formulas.length} found, e.g. ${formulas.slice(0, 5).join(', ')}`);
} catch (err) {
  r.fail('sheetjs read', err.message);
}

r.finish();

// selftest_fixtures.mjs OUTDIR
//
// Writes the binary fixtures used by selftest.sh:
//   OUTDIR/parquet/<table>.parquet  (DuckDB COPY ... TO, zstd and snappy)
//   OUTDIR/good.xlsx                (exceljs, frozen header, autofilter, widths)
//   OUTDIR/formula.xlsx             (as good.xlsx plus one formula cell)
//   OUTDIR/nofreeze.xlsx            (as good.xlsx, Elements without frozen row)
// Row counts: floors 3, rooms 12, elements 40, equipment 4, properties 30,
// connections 5.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { sqlString } from './lib.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node selftest_fixtures.mjs OUTDIR');
  process.exit(2);
}
mkdirSync(join(out, 'parquet'), { recursive: true });

const ROOM_NAMES = ['Main Lobby', '会议室'];
const roomName = (i) => (i < ROOM_NAMES.length ? ROOM_NAMES[i] : `Room ${i}`);

// Table contents as SQL, used for parquet and (through JS rows) for xlsx.
const TABLE_SQL = {
  floors: `SELECT 'F' || i AS id, 'Level ' || i AS name, i::BIGINT AS level FROM range(3) t(i)`,
  rooms: `SELECT 'R' || i AS id, CASE i ${ROOM_NAMES.map((n, k) => `WHEN ${k} THEN ${sqlString(n)}`).join(' ')} ELSE 'Room ' || i END AS name,
            'F' || (i % 3) AS floor, (i * 2.5)::DOUBLE AS area_m2 FROM range(12) t(i)`,
  elements: `SELECT 'E' || i AS id, 'F' || (i % 3) AS floor, (i * 0.25 + 0.1)::DOUBLE AS volume_m3, (i % 3)::BIGINT AS level,
            (i % 2 = 0) AS is_external, CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || i END AS note FROM range(40) t(i)`,
  equipment: `SELECT 'Q' || i AS id, 'R' || i AS room FROM range(4) t(i)`,
  properties: `SELECT 'E' || (i % 40) AS element, 'p' || i AS key, (i * 1.5)::DOUBLE AS value FROM range(30) t(i)`,
  connections: `SELECT 'E' || i AS a, 'E' || (i + 1) AS b FROM range(5) t(i)`,
};

const conn = await (await DuckDBInstance.create(':memory:')).connect();
const tableRows = {};
for (const [t, sql] of Object.entries(TABLE_SQL)) {
  const codec = t === 'elements' || t === 'rooms' ? 'zstd' : 'snappy';
  await conn.run(`COPY (${sql}) TO ${sqlString(join(out, 'parquet', `${t}.parquet`))} (FORMAT parquet, COMPRESSION ${codec})`);
  const reader = await conn.runAndReadAll(sql);
  tableRows[t] = { columns: reader.columnNames(), rows: reader.getRowsJS() };
}
conn.closeSync();

const SHEETS = { floors: 'Floors', rooms: 'Rooms', elements: 'Elements', equipment: 'Equipment', properties: 'Properties', connections: 'Connections' };

async function writeXlsx(path, { formula = false, unfrozen = null } = {}) {
  const wb = new ExcelJS.Workbook();
  const summary = wb.addWorksheet('Summary');
  summary.addRow(['table', 'rows']);
  for (const [t, { rows }] of Object.entries(tableRows)) summary.addRow([t, rows.length]);
  if (formula) summary.getCell('C2').value = { formula: 'SUM(B2:B7)', result: 94 };
  summary.getColumn(1).width = 14;

  for (const [t, sheet] of Object.entries(SHEETS)) {
    const { columns, rows } = tableRows[t];
    const ws = wb.addWorksheet(sheet, {
      views: unfrozen === sheet ? [] : [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2' }],
    });
    ws.addRow(columns);
    for (const row of rows) ws.addRow(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
    columns.forEach((c, i) => { ws.getColumn(i + 1).width = Math.max(10, c.length + 2); });
  }
  await wb.xlsx.writeFile(path);
}

await writeXlsx(join(out, 'good.xlsx'));
await writeXlsx(join(out, 'formula.xlsx'), { formula: true });
await writeXlsx(join(out, 'nofreeze.xlsx'), { unfrozen: 'Elements' });

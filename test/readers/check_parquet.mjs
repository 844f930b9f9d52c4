// check_parquet.mjs DIR EXPECT.json
//
// DIR holds one <table>.parquet per table named in EXPECT.tables.
// Reader 1, DuckDB (@duckdb/node-api): row count, column types
// (DESCRIBE), and a full scan of every row and column.
// Reader 2, hyparquet (+ hyparquet-compressors): footer row count, a
// full read of every row, and the JS type of every value of the listed
// columns.
// Both readers: every EXPECT.room_names entry occurs in rooms.<room_name_column>.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { Report, loadExpect, usage, fatal, sqlString, fmt } from './lib.mjs';

const NAME = 'check_parquet';
if (process.argv.length !== 4) usage(NAME, 'node check_parquet.mjs DIR EXPECT.json');
const [dir, expectPath] = process.argv.slice(2);
const expect = loadExpect(NAME, expectPath);
if (!existsSync(dir)) fatal(NAME, `directory ${dir} does not exist`, 2);
if (Object.keys(expect.tables).length === 0) fatal(NAME, 'expectation has no tables', 2);

// DuckDB type name for each expectation type.
const DUCK_TYPE = { string: 'VARCHAR', int64: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN' };
// JS typeof of a hyparquet value for each expectation type.
const JS_TYPE = { string: 'string', int64: 'bigint', double: 'number', boolean: 'boolean' };

const r = new Report(NAME);
const quoteIdent = (s) => `"${s.replaceAll('"', '""')}"`;

const present = new Set(readdirSync(dir).filter((f) => f.endsWith('.parquet')).map((f) => f.slice(0, -8)));
for (const t of present) {
  if (!(t in expect.tables)) console.log(`note ${t}.parquet is not in the expectation; not checked`);
}

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();

async function duckScalar(sql) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRows()[0][0];
}

const tables = Object.entries(expect.tables);
const files = {};
for (const [t] of tables) {
  const path = join(dir, `${t}.parquet`);
  if (r.check(existsSync(path), `${t}.parquet exists`, `missing ${path}`)) files[t] = path;
}

// ---- DuckDB ----
for (const [t, want] of tables) {
  const path = files[t];
  if (!path) continue;
  const src = `read_parquet(${sqlString(path)})`;
  try {
    const n = await duckScalar(`SELECT count(*) FROM ${src}`);
    r.equal(Number(n), want, `duckdb ${t} count(*)`);

    const desc = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjects();
    const colTypes = new Map(desc.map((d) => [d.column_name, String(d.column_type)]));
    for (const [col, ty] of Object.entries(expect.types[t] ?? {})) {
      const got = colTypes.get(col);
      if (got === undefined) r.fail(`duckdb ${t}.${col} type ${DUCK_TYPE[ty]}`, `no column ${fmt(col)} (columns: ${[...colTypes.keys()].join(', ')})`);
      else r.equal(got, DUCK_TYPE[ty], `duckdb ${t}.${col} type`);
    }

    // Full scan: fetch every chunk of SELECT * and convert every value, so
    // every page of every column is decoded.
    const result = await conn.stream(`SELECT * FROM ${src}`);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      chunk.getRows();
      rows += chunk.rowCount;
    }
    r.equal(rows, want, `duckdb ${t} full scan rows`);
  } catch (err) {
    r.fail(`duckdb ${t}`, `read error: ${err.message}`);
  }
}

if (expect.roomNames.length > 0 && files.rooms) {
  const col = expect.roomNameColumn;
  try {
    const names = new Set(
      (await conn.runAndReadAll(`SELECT DISTINCT ${quoteIdent(col)}::VARCHAR FROM read_parquet(${sqlString(files.rooms)})`))
        .getRows()
        .map((row) => row[0])
    );
    for (const name of expect.roomNames) r.check(names.has(name), `duckdb rooms.${col} contains ${fmt(name)}`, 'not found');
  } catch (err) {
    r.fail(`duckdb rooms.${col}`, err.message);
  }
}
conn.closeSync();

// ---- hyparquet ----
for (const [t, want] of tables) {
  const path = files[t];
  if (!path) continue;
  try {
    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    r.equal(Number(meta.num_rows), want, `hyparquet ${t} footer num_rows`);

    let rows;
    await parquetRead({ file, metadata: meta, compressors, rowFormat: 'object', onComplete: (d) => { rows = d; } });
    r.equal(rows.length, want, `hyparquet ${t} rows read`);

    for (const [col, ty] of Object.entries(expect.types[t] ?? {})) {
      const what = `hyparquet ${t}.${col} values are ${JS_TYPE[ty]}`;
      if (rows.length > 0 && !(col in rows[0])) {
        r.fail(what, `no column ${fmt(col)} (columns: ${Object.keys(rows[0]).join(', ')})`);
        continue;
      }
      let bad = null;
      for (let i = 0; i < rows.length && bad === null; i++) {
        const v = rows[i][col];
        if (v !== null && v !== undefined && typeof v !== JS_TYPE[ty]) bad = `row ${i}: ${typeof v} ${fmt(v)}`;
      }
      r.check(bad === null, what, bad);
    }

    if (t === 'rooms' && expect.roomNames.length > 0) {
      const col = expect.roomNameColumn;
      const names = new Set(rows.map((row) => row[col]));
      for (const name of expect.roomNames) r.check(names.has(name), `hyparquet rooms.${col} contains ${fmt(name)}`, 'not found');
    }
  } catch (err) {
    r.fail(`hyparquet ${t}`, `read error: ${err.message}`);
  }
}

r.finish();

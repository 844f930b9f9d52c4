// check_csv.mjs DIR EXPECT.json
//
// DIR holds one <table>.csv per table named in EXPECT.tables.
// Reader: DuckDB's CSV reader with its sniffer on and strict mode on:
//   read_csv(path, header = true, strict_mode = true, auto_detect = true,
//            delim = ',', quote = '"', escape = '"')
// The dialect is pinned to RFC 4180 because otherwise, when a row has an
// extra field, the sniffer silently falls back to a dialect in which every
// row is consistent (one column, delimiter '|'), and nothing fails.
// Types and the header are still sniffed.
// Checks: row count, a full scan of every row (every value is converted
// to its sniffed type, so a value late in the file that does not fit the
// type sniffed from the sample fails), sniffed types of the listed
// columns, and that every EXPECT.room_names entry occurs in
// rooms.<room_name_column>.
//
// CSV has no types, so the type check is loose:
//   string  -> any sniffed type (reported only)
//   int64   -> BIGINT (or another integer type)
//   double  -> DOUBLE or BIGINT (a column of whole numbers sniffs as BIGINT)
//   boolean -> BOOLEAN

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Report, loadExpect, usage, fatal, sqlString, fmt } from './lib.mjs';

const NAME = 'check_csv';
if (process.argv.length !== 4) usage(NAME, 'node check_csv.mjs DIR EXPECT.json');
const [dir, expectPath] = process.argv.slice(2);
const expect = loadExpect(NAME, expectPath);
if (!existsSync(dir)) fatal(NAME, `directory ${dir} does not exist`, 2);
if (Object.keys(expect.tables).length === 0) fatal(NAME, 'expectation has no tables', 2);

const INTEGER_TYPES = ['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT'];
const ACCEPT = {
  int64: (t) => INTEGER_TYPES.includes(t),
  double: (t) => t === 'DOUBLE' || INTEGER_TYPES.includes(t),
  boolean: (t) => t === 'BOOLEAN',
  string: () => true,
};
const DESCRIBE_WANT = { int64: 'BIGINT', double: 'DOUBLE or BIGINT', boolean: 'BOOLEAN', string: 'any' };

const r = new Report(NAME);
const quoteIdent = (s) => `"${s.replaceAll('"', '""')}"`;
const CSV_OPTS = `header = true, strict_mode = true, auto_detect = true, delim = ',', quote = '"', escape = '"'`;
const readCsv = (path) => `read_csv(${sqlString(path)}, ${CSV_OPTS})`;

for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
  if (!(f.slice(0, -4) in expect.tables)) console.log(`note ${f} is not in the expectation; not checked`);
}

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();

for (const [t, want] of Object.entries(expect.tables)) {
  const path = join(dir, `${t}.csv`);
  if (!r.check(existsSync(path), `${t}.csv exists`, `missing ${path}`)) continue;
  const src = readCsv(path);
  try {
    const desc = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjects();
    const colTypes = new Map(desc.map((d) => [d.column_name, String(d.column_type)]));

    // Full scan; count rows while converting every value.
    const result = await conn.stream(`SELECT * FROM ${src}`);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      chunk.getRows();
      rows += chunk.rowCount;
    }
    r.equal(rows, want, `duckdb ${t} rows (full scan, strict_mode)`);

    for (const [col, ty] of Object.entries(expect.types[t] ?? {})) {
      const got = colTypes.get(col);
      const what = `duckdb ${t}.${col} sniffed type for ${ty}`;
      if (got === undefined) r.fail(what, `no column ${fmt(col)} (columns: ${[...colTypes.keys()].join(', ')})`);
      else r.check(ACCEPT[ty](got), `${what}: ${got}`, `sniffed ${got}, want ${DESCRIBE_WANT[ty]}`);

      // DuckDB sniffs types from a sample, and its VARCHAR->BIGINT cast
      // rounds "2.5" to 3 without an error. So when a numeric column was
      // sniffed as an integer type, re-read it as text and make sure that
      // no value anywhere in the file has a fraction or exponent.
      if (got !== undefined && (ty === 'int64' || ty === 'double') && INTEGER_TYPES.includes(got)) {
        const asText = `read_csv(${sqlString(path)}, ${CSV_OPTS}, types = {${sqlString(col)}: 'VARCHAR'})`;
        const bad = (await conn.runAndReadAll(
          `SELECT ${quoteIdent(col)} FROM ${asText} WHERE ${quoteIdent(col)} IS NOT NULL AND NOT regexp_full_match(${quoteIdent(col)}, '[+-]?[0-9]+') LIMIT 3`
        )).getRows().map((row) => row[0]);
        r.check(bad.length === 0, `duckdb ${t}.${col} every value is a whole number (sniffed ${got})`,
          `sniffed ${got} from the sample but later values are not whole numbers (DuckDB would round them silently): ${bad.map(fmt).join(', ')}`);
      }
    }

    if (t === 'rooms' && expect.roomNames.length > 0) {
      const col = expect.roomNameColumn;
      const names = new Set(
        (await conn.runAndReadAll(`SELECT DISTINCT ${quoteIdent(col)}::VARCHAR FROM ${src}`)).getRows().map((row) => row[0])
      );
      for (const name of expect.roomNames) r.check(names.has(name), `duckdb rooms.${col} contains ${fmt(name)}`, 'not found');
    }
  } catch (err) {
    r.fail(`duckdb ${t}.csv`, `read error: ${err.message.split('\n').slice(0, 6).join(' | ')}`);
  }
}
conn.closeSync();
r.finish();

// Shared helpers for the independent-reader checkers.
//
// Every checker prints one line per check:
//   "ok   <what>"            when the check passed
//   "FAIL <what>: <detail>"  when it did not
// and a last line "<checker>: OK (N checks)" or "<checker>: FAIL (M of N checks failed)".
// Exit status: 0 all checks passed, 1 at least one check failed,
// 2 usage error or a file that could not be opened at all.

import { readFileSync } from 'node:fs';

export const TYPE_NAMES = ['string', 'int64', 'double', 'boolean'];

export class Report {
  constructor(name) {
    this.name = name;
    this.total = 0;
    this.failed = 0;
  }

  pass(what) {
    this.total++;
    console.log(`ok   ${what}`);
  }

  fail(what, detail) {
    this.total++;
    this.failed++;
    console.log(`FAIL ${what}: ${detail}`);
  }

  // check records a pass when cond is true, a failure with detail otherwise.
  check(cond, what, detail) {
    if (cond) this.pass(what);
    else this.fail(what, detail);
    return cond;
  }

  // equal compares with === and reports both values.
  equal(got, want, what) {
    return this.check(got === want, `${what} = ${fmt(want)}`, `expected ${fmt(want)}, got ${fmt(got)}`);
  }

  // finish prints the summary line and exits with the right status.
  finish() {
    if (this.total === 0) {
      console.log(`${this.name}: FAIL (no checks were run: is the expectation file empty?)`);
      process.exit(1);
    }
    if (this.failed > 0) {
      console.log(`${this.name}: FAIL (${this.failed} of ${this.total} checks failed)`);
      process.exit(1);
    }
    console.log(`${this.name}: OK (${this.total} checks)`);
    process.exit(0);
  }
}

export function fmt(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

// usage prints a usage error and exits 2.
export function usage(name, text) {
  console.error(`${name}: usage: ${text}`);
  process.exit(2);
}

// fatal reports a problem that prevents any further checks and exits.
// code 1 is used for "the file under test is broken", 2 for setup problems.
export function fatal(name, msg, code = 1) {
  console.log(`FAIL ${msg}`);
  console.log(`${name}: FAIL (${msg.split('\n')[0]})`);
  process.exit(code);
}

// loadExpect reads and sanity-checks the shared expectation JSON.
export function loadExpect(name, path) {
  let e;
  try {
    e = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fatal(name, `cannot read expectation ${path}: ${err.message}`, 2);
  }
  if (e === null || typeof e !== 'object' || Array.isArray(e)) {
    fatal(name, `expectation ${path} is not a JSON object`, 2);
  }
  const tables = e.tables ?? {};
  for (const [t, n] of Object.entries(tables)) {
    if (!Number.isInteger(n) || n < 0) fatal(name, `expectation: tables.${t} must be a non-negative integer, got ${fmt(n)}`, 2);
  }
  const types = e.types ?? {};
  for (const [t, cols] of Object.entries(types)) {
    for (const [c, ty] of Object.entries(cols)) {
      if (!TYPE_NAMES.includes(ty)) {
        fatal(name, `expectation: types.${t}.${c} is ${fmt(ty)}, want one of ${TYPE_NAMES.join(', ')}`, 2);
      }
    }
  }
  if (e.room_names !== undefined && !Array.isArray(e.room_names)) {
    fatal(name, 'expectation: room_names must be an array of strings', 2);
  }
  return {
    tables,
    types,
    roomNames: e.room_names ?? [],
    roomNameColumn: e.room_name_column ?? 'name',
    features: e.features,
  };
}

// sqlString quotes a value as a SQL string literal.
export function sqlString(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

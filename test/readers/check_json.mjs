// check_json.mjs FILE SCHEMA.json EXPECT.json
//
// Validates FILE against SCHEMA with Ajv (JSON Schema draft 2020-12,
// ajv/dist/2020, strict mode, all errors, formats from ajv-formats), then
// checks the lengths of the top-level arrays floors, rooms, elements and
// connections against EXPECT.tables (an array is only checked when
// EXPECT.tables names it), and that every EXPECT.room_names entry is the
// <room_name_column> of some object in rooms.
//
// The whole file is read with JSON.parse. For files of some hundreds of MB
// give node a bigger heap: node --max-old-space-size=8192 check_json.mjs ...

import { existsSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Report, loadExpect, usage, fatal, fmt } from './lib.mjs';

const NAME = 'check_json';
if (process.argv.length !== 5) usage(NAME, 'node check_json.mjs FILE SCHEMA.json EXPECT.json');
const [path, schemaPath, expectPath] = process.argv.slice(2);
const expect = loadExpect(NAME, expectPath);
if (!existsSync(path)) fatal(NAME, `${path} does not exist`, 2);

let schema;
try {
  schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
} catch (err) {
  fatal(NAME, `cannot read schema ${schemaPath}: ${err.message}`, 2);
}

const r = new Report(NAME);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

let validate;
try {
  validate = ajv.compile(schema);
  r.pass(`schema ${schemaPath} compiles (draft 2020-12, strict)`);
} catch (err) {
  r.fail(`schema ${schemaPath} compiles (draft 2020-12, strict)`, err.message);
  r.finish();
}

let doc;
try {
  doc = JSON.parse(readFileSync(path, 'utf8'));
  r.pass(`${path} is JSON`);
} catch (err) {
  r.fail(`${path} is JSON`, err.message);
  r.finish();
}

const valid = validate(doc);
if (valid) r.pass('document valid against schema');
else {
  const errs = validate.errors;
  const shown = errs.slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  r.fail('document valid against schema', `${errs.length} error(s):\n       ${shown.join('\n       ')}`);
}

for (const key of ['floors', 'rooms', 'elements', 'connections']) {
  if (!(key in expect.tables)) continue;
  const arr = doc?.[key];
  if (!Array.isArray(arr)) r.fail(`top-level ${key} array`, `doc.${key} is ${arr === undefined ? 'missing' : typeof arr}`);
  else r.equal(arr.length, expect.tables[key], `top-level ${key} count`);
}

if (expect.roomNames.length > 0) {
  const col = expect.roomNameColumn;
  const names = new Set(Array.isArray(doc?.rooms) ? doc.rooms.map((room) => room?.[col]) : []);
  for (const n of expect.roomNames) r.check(names.has(n), `rooms[].${col} contains ${fmt(n)}`, 'not found');
}

r.finish();

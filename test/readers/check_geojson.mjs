// check_geojson.mjs FILE EXPECT.json
//
// 1. @placemarkio/check-geojson check(text) reports no issue (files over
//    8 MiB: checked feature by feature, see below). It checks
//    GeoJSON structure (types, required members, positions of 2 or 3
//    numbers, rings of >= 4 positions whose first and last are equal,
//    bbox shape, duplicate keys, members forbidden in an object type).
//    It does NOT check winding order or coordinate ranges (its README says
//    so), hence 2.
// 2. Our own geometry walk over every geometry: the root is a
//    FeatureCollection of EXPECT.features features; every Polygon /
//    MultiPolygon ring is closed, has >= 4 positions and non-zero area,
//    exterior rings are counter-clockwise and holes clockwise (RFC 7946
//    section 3.1.6, by signed shoelace area); every position has finite
//    numbers with longitude in [-180, 180] and latitude in [-90, 90].
//    Every EXPECT.room_names entry is the properties.<room_name_column> of
//    some feature.
// 3. GDAL: `ogrinfo -ro -al -so FILE` exits 0, prints no warning or error,
//    and reports "Feature Count: EXPECT.features".

import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { check } from '@placemarkio/check-geojson';
import { Report, loadExpect, usage, fatal, fmt } from './lib.mjs';

const NAME = 'check_geojson';
if (process.argv.length !== 4) usage(NAME, 'node check_geojson.mjs FILE EXPECT.json');
const [path, expectPath] = process.argv.slice(2);
const expect = loadExpect(NAME, expectPath);
if (!Number.isInteger(expect.features)) fatal(NAME, 'expectation has no integer "features"', 2);
if (!existsSync(path)) fatal(NAME, `${path} does not exist`, 2);

const r = new Report(NAME);
const text = readFileSync(path, 'utf8');

// ---- 1. check-geojson ----
// check() builds a full syntax tree with source ranges (momoa): about 140
// bytes of memory per byte of input, so a 48 MB file exhausts node's
// default 4 GB heap. Files up to GEOJSON_WHOLE_MAX_BYTES (default 8 MiB)
// are checked whole; larger ones are parsed with JSON.parse and checked one
// feature at a time (plus the collection without its features). Only the
// whole-file mode sees duplicate keys, which JSON.parse drops.
const wholeMax = Number(process.env.GEOJSON_WHOLE_MAX_BYTES ?? 8 * 1024 * 1024);
const describe = (err) => {
  const issues = err.issues ?? [];
  if (!issues.length) return err.message;
  const shown = issues.slice(0, 10).map((i) => `${i.message} (at char ${i.from})`);
  return `${issues.length} issue(s):\n       ${shown.join('\n       ')}`;
};
let doc;
if (Buffer.byteLength(text, 'utf8') <= wholeMax) {
  try {
    doc = check(text);
    r.pass('check-geojson (whole file): no issues');
  } catch (err) {
    r.fail('check-geojson (whole file): no issues', describe(err));
  }
}
if (doc === undefined) {
  try {
    doc = JSON.parse(text);
  } catch (e) {
    r.fail('file is JSON', e.message);
    r.finish();
  }
}
if (Buffer.byteLength(text, 'utf8') > wholeMax) {
  const problems = [];
  const feats = Array.isArray(doc?.features) ? doc.features : null;
  try {
    check(JSON.stringify(feats ? { ...doc, features: [] } : doc));
  } catch (err) {
    problems.push(`collection: ${describe(err)}`);
  }
  (feats ?? []).forEach((f, i) => {
    if (problems.length >= 10) return;
    try {
      check(JSON.stringify(f));
    } catch (err) {
      problems.push(`feature ${i}: ${describe(err)}`);
    }
  });
  r.check(problems.length === 0, 'check-geojson (per feature, file > GEOJSON_WHOLE_MAX_BYTES): no issues', problems.join('\n       '));
}

// ---- 2. own geometry checks ----
r.equal(doc?.type, 'FeatureCollection', 'root type');
const features = Array.isArray(doc?.features) ? doc.features : [];
r.equal(features.length, expect.features, 'feature count');

const problems = { ring: [], winding: [], range: [] };
const MAX_SHOWN = 5;
let polygons = 0;
let rings = 0;
let positions = 0;

function note(kind, msg) {
  if (problems[kind].length < 1000) problems[kind].push(msg);
}

// signedArea is the shoelace area, positive for a counter-clockwise ring
// (x = longitude east, y = latitude north). Coordinates are taken relative
// to the first position to keep precision for small rings.
function signedArea(ring) {
  const [x0, y0] = ring[0];
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const ax = ring[i][0] - x0, ay = ring[i][1] - y0;
    const bx = ring[i + 1][0] - x0, by = ring[i + 1][1] - y0;
    s += ax * by - bx * ay;
  }
  return s / 2;
}

function checkPosition(p, where) {
  positions++;
  if (!Array.isArray(p) || p.length < 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    note('range', `${where}: bad position ${fmt(p)}`);
    return;
  }
  const [lon, lat] = p;
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) note('range', `${where}: [${lon}, ${lat}] out of range`);
}

function checkPolygon(coords, where) {
  polygons++;
  if (!Array.isArray(coords) || coords.length === 0) {
    note('ring', `${where}: polygon without rings`);
    return;
  }
  coords.forEach((ring, k) => {
    rings++;
    const w = `${where} ring ${k}`;
    if (!Array.isArray(ring)) return note('ring', `${w}: not an array`);
    ring.forEach((p, j) => checkPosition(p, `${w} pos ${j}`));
    if (ring.length < 4) return note('ring', `${w}: ${ring.length} positions (< 4)`);
    const a = ring[0], b = ring[ring.length - 1];
    if (!(Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]))) {
      return note('ring', `${w}: not closed (first ${fmt(a)} last ${fmt(b)})`);
    }
    const area = signedArea(ring);
    if (!(area !== 0 && Number.isFinite(area))) return note('ring', `${w}: zero area`);
    if (k === 0 && area < 0) note('winding', `${w}: exterior ring is clockwise (signed area ${area})`);
    if (k > 0 && area > 0) note('winding', `${w}: hole is counter-clockwise (signed area ${area})`);
  });
}

function walk(g, where) {
  if (g === null || g === undefined) return;
  switch (g.type) {
    case 'Point':
      return checkPosition(g.coordinates, where);
    case 'MultiPoint':
    case 'LineString':
      return (g.coordinates ?? []).forEach((p, j) => checkPosition(p, `${where} pos ${j}`));
    case 'MultiLineString':
      return (g.coordinates ?? []).forEach((l, i) => (l ?? []).forEach((p, j) => checkPosition(p, `${where} line ${i} pos ${j}`)));
    case 'Polygon':
      return checkPolygon(g.coordinates, where);
    case 'MultiPolygon':
      return (g.coordinates ?? []).forEach((poly, i) => checkPolygon(poly, `${where} polygon ${i}`));
    case 'GeometryCollection':
      return (g.geometries ?? []).forEach((gg, i) => walk(gg, `${where} geometry ${i}`));
    default:
      note('ring', `${where}: unknown geometry type ${fmt(g.type)}`);
  }
}

features.forEach((f, i) => walk(f?.geometry, `feature ${i}${f?.id !== undefined ? ` (id ${fmt(f.id)})` : ''}`));

const show = (list) => `${list.length}${list.length >= 1000 ? '+' : ''} problem(s):\n       ${list.slice(0, MAX_SHOWN).join('\n       ')}`;
r.check(problems.ring.length === 0, `rings closed, >= 4 positions, non-zero area (${polygons} polygons, ${rings} rings)`, show(problems.ring));
r.check(problems.winding.length === 0, 'exterior rings counter-clockwise, holes clockwise', show(problems.winding));
r.check(problems.range.length === 0, `positions finite, lon in [-180,180], lat in [-90,90] (${positions} positions)`, show(problems.range));

if (expect.roomNames.length > 0) {
  const col = expect.roomNameColumn;
  const names = new Set(features.map((f) => f?.properties?.[col]));
  for (const n of expect.roomNames) r.check(names.has(n), `some feature has properties.${col} = ${fmt(n)}`, 'not found');
}

// ---- 3. GDAL ----
const og = spawnSync('ogrinfo', ['-ro', '-al', '-so', path], {
  encoding: 'utf8',
  maxBuffer: 64 << 20,
  // Lift the GeoJSON driver's 200 MB limit on one JSON object.
  env: { ...process.env, OGR_GEOJSON_MAX_OBJ_SIZE: '0' },
});
if (og.error) {
  r.fail('ogrinfo runs', `${og.error.message} (run .ci/install-readers.sh)`);
} else {
  const m = /^Feature Count: (\d+)$/m.exec(og.stdout);
  const noise = og.stderr.split('\n').filter((l) => l.trim() !== '');
  r.check(og.status === 0, 'ogrinfo -ro -al -so exits 0', `exit ${og.status}: ${og.stderr.trim()}`);
  r.check(noise.length === 0, 'ogrinfo prints no warnings or errors', noise.slice(0, 10).join(' | '));
  r.equal(m ? Number(m[1]) : null, expect.features, 'ogrinfo Feature Count');
}

r.finish();

// check_ifc.mjs FILE EXPECT.json
//
// Two independent IFC readers:
//
// 1. web-ifc (the IFC.js / That Open Company engine):
//    - OpenModel succeeds and reads the schema as IFC4;
//    - for every class in EXPECT.classes ({"IFCWALL": 12, ...}) the number of
//      instances of exactly that class (GetLineIDsWithType) is the one given;
//    - StreamAllMeshes: every instance of the classes in EXPECT.mesh_classes
//      (default: every class in EXPECT.classes except the spatial ones) yields
//      a mesh with vertices and triangles; the number of distinct expressIDs
//      with geometry is at least EXPECT.meshes;
//    - EXPECT.strings ([{"class": "IFCSPACE", "attribute": "LongName",
//      "value": "..."}]): some instance of the class has that attribute equal
//      to the value as web-ifc's GetLine decodes the STEP string (it undoes
//      '' and \\ and the \X2\ / \X4\ escapes itself; IfcAPI.DecodeText is
//      for raw text and would undo backslashes twice).
// 2. @ifc-lite/parser: its StepTokenizer scans every instance and its
//    EntityExtractor parses the attributes; against its IFC4_ADD2_TC1 schema
//    registry (SCHEMA_REGISTRY), every instance:
//    - names a known, non-abstract entity;
//    - has exactly as many attributes as the entity (inherited ones included);
//    - leaves no non-optional attribute unset ($); `*` only where IFC4
//      redeclares the attribute as DERIVE (DERIVED below);
//    - has values of the declared kind: entity-typed attributes (and lists of
//      them) refer to existing instances of that entity or a subtype; select
//      attributes refer to an instance, or hold a typed value, of a member of
//      the select; enumeration attributes hold one of the enumeration's
//      values; other defined types hold a literal, never a reference;
//    - every #reference resolves;
//    - GlobalIds (IfcRoot.GlobalId) are 22 characters of the IFC base64
//      alphabet, the first 0-3, and distinct;
//    - EXPECT.global_ids ({"<GlobalId>": "IFCWALL"}) are found on an instance
//      of that class (stable ids across exports);
//    - EXPECT.strings are found too, decoded by @ifc-lite/encoding.
//    Types of literals inside lists (coordinates, indices) are not checked.

import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as WebIFC from 'web-ifc';
import { StepTokenizer, EntityExtractor, SCHEMA_REGISTRY, getEntityMetadata, getAllAttributesForEntity } from '@ifc-lite/parser';
import { Report, usage, fatal, fmt } from './lib.mjs';

const NAME = 'check_ifc';
if (process.argv.length !== 4) usage(NAME, 'node check_ifc.mjs FILE EXPECT.json');
const [path, expectPath] = process.argv.slice(2);
if (!existsSync(path)) fatal(NAME, `${path} does not exist`, 2);
let expect;
try {
  expect = JSON.parse(readFileSync(expectPath, 'utf8'));
} catch (e) {
  fatal(NAME, `cannot read expectation ${expectPath}: ${e.message}`, 2);
}
const classes = expect.classes ?? {};
const SPATIAL = new Set(['IFCPROJECT', 'IFCSITE', 'IFCBUILDING', 'IFCBUILDINGSTOREY', 'IFCSPACE', 'IFCOPENINGELEMENT']);
const meshClasses = expect.mesh_classes ?? Object.keys(classes).filter((c) => !SPATIAL.has(c));

const r = new Report(NAME);
const bytes = new Uint8Array(readFileSync(path));

// ---------------- 1. web-ifc ----------------
const require = createRequire(import.meta.url);
const wasmDir = dirname(require.resolve('web-ifc')) + '/';
const api = new WebIFC.IfcAPI();
api.SetWasmPath(wasmDir, true);
await api.Init();
let modelID = -1;
try {
  modelID = api.OpenModel(bytes, { COORDINATE_TO_ORIGIN: false });
} catch (e) {
  r.fail('web-ifc OpenModel', e.message);
}
if (modelID >= 0) {
  r.check(api.GetModelSchema(modelID) === 'IFC4', 'web-ifc: schema IFC4', `got ${fmt(api.GetModelSchema(modelID))}`);
  const idsOf = (cls) => {
    const v = api.GetLineIDsWithType(modelID, api.GetTypeCodeFromName(cls), false);
    const out = [];
    for (let i = 0; i < v.size(); i++) out.push(v.get(i));
    return out;
  };
  for (const [cls, n] of Object.entries(classes)) {
    r.equal(idsOf(cls).length, n, `web-ifc: ${cls} count`);
  }

  const withMesh = new Set();
  const empty = [];
  api.StreamAllMeshes(modelID, (mesh) => {
    let verts = 0;
    let tris = 0;
    const geoms = mesh.geometries;
    for (let i = 0; i < geoms.size(); i++) {
      const g = api.GetGeometry(modelID, geoms.get(i).geometryExpressID);
      verts += g.GetVertexDataSize();
      tris += g.GetIndexDataSize() / 3;
      g.delete?.();
    }
    if (verts > 0 && tris > 0) withMesh.add(mesh.expressID);
    else empty.push(mesh.expressID);
  });
  const missing = [];
  let wanted = 0;
  for (const cls of meshClasses) {
    for (const id of idsOf(cls)) {
      wanted++;
      if (!withMesh.has(id)) missing.push(`#${id} ${cls}`);
    }
  }
  r.check(missing.length === 0, `web-ifc: every instance of ${meshClasses.length} element classes streams a mesh (${wanted} elements)`,
    `${missing.length} without: ${missing.slice(0, 10).join(', ')}`);
  r.check(empty.length === 0, 'web-ifc: no mesh is empty', `${empty.length} empty: ${empty.slice(0, 10).join(', ')}`);
  if (expect.meshes !== undefined) {
    r.check(withMesh.size >= expect.meshes, `web-ifc: >= ${expect.meshes} instances with geometry`, `got ${withMesh.size}`);
  }

  for (const s of expect.strings ?? []) {
    const found = idsOf(s.class).some((id) => {
      const v = api.GetLine(modelID, id)?.[s.attribute]?.value;
      return v === s.value;
    });
    r.check(found, `web-ifc: some ${s.class}.${s.attribute} = ${fmt(s.value)}`, 'not found');
  }
  api.CloseModel(modelID);
}

// ---------------- 2. @ifc-lite/parser ----------------
// Attributes IFC4 redeclares as DERIVE, written `*`: by entity, their positions.
const DERIVED = {
  IFCSIUNIT: [0],
  IFCGEOMETRICREPRESENTATIONSUBCONTEXT: [2, 3, 4, 5],
};
const R = SCHEMA_REGISTRY;
const upper = new Map();
for (const k of Object.keys(R.entities)) upper.set(k.toUpperCase(), k);
const selectMembers = new Map();
function expandSelect(name, seen = new Set()) {
  if (selectMembers.has(name)) return selectMembers.get(name);
  const out = new Set();
  for (const m of R.selects[name] ?? []) {
    if (seen.has(m)) continue;
    seen.add(m);
    if (R.selects[m]) for (const x of expandSelect(m, seen)) out.add(x);
    else out.add(m.toUpperCase());
  }
  selectMembers.set(name, out);
  return out;
}
const chainCache = new Map();
function chainOf(typeUpper) {
  if (!chainCache.has(typeUpper)) {
    const meta = getEntityMetadata(typeUpper);
    chainCache.set(typeUpper, new Set((meta?.inheritanceChain ?? [meta?.name]).filter(Boolean).map((x) => x.toUpperCase())));
  }
  return chainCache.get(typeUpper);
}

// topTokens splits an instance's parameter text into its top-level tokens.
function topTokens(text) {
  const open = text.indexOf('(');
  const body = text.slice(open + 1, text.lastIndexOf(')'));
  const out = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inStr) {
      cur += c;
      if (c === "'") {
        if (body[i + 1] === "'") { cur += "'"; i++; } else inStr = false;
      }
      continue;
    }
    if (c === "'") { inStr = true; cur += c; continue; }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}
// listTokens splits a list token "(a,b,...)" into its members.
const listTokens = (tok) => topTokens('X' + tok);

const decoder = new TextDecoder();
const tokenizer = new StepTokenizer(bytes);
const extractor = new EntityExtractor(bytes);
const refs = [];
const types = new Map();
for (const ref of tokenizer.scanEntities()) {
  refs.push(ref);
  types.set(ref.expressId, ref.type.toUpperCase());
}
r.check(refs.length > 0, `ifc-lite: scanned ${refs.length} instances`, 'none found');

const problems = { unknown: [], count: [], unset: [], kind: [], dangling: [], guid: [] };
const note = (k, m) => { if (problems[k].length < 1000) problems[k].push(m); };
const guids = new Map();
const GUID = /^[0-3][0-9A-Za-z_$]{21}$/;
const strings = (expect.strings ?? []).map((s) => ({ ...s, found: false }));

function checkValue(tok, attr, where) {
  const t = attr.type;
  const isList = attr.isList || attr.isSet || attr.isArray;
  if (isList) {
    if (!tok.startsWith('(')) return note('kind', `${where}: ${attr.name} is not a list: ${tok.slice(0, 40)}`);
    if (R.entities[t] || R.selects[t]) {
      for (const m of listTokens(tok)) checkValue(m, { ...attr, isList: false, isSet: false, isArray: false }, where);
    }
    return;
  }
  if (tok.startsWith('#')) {
    const id = Number(tok.slice(1));
    const target = types.get(id);
    if (target === undefined) return; // reported as dangling
    if (R.entities[t]) {
      if (!chainOf(target).has(t.toUpperCase())) note('kind', `${where}: ${attr.name} refers to ${target}, not a ${t}`);
    } else if (R.selects[t]) {
      const members = expandSelect(t);
      if (![...chainOf(target)].some((x) => members.has(x))) note('kind', `${where}: ${attr.name} refers to ${target}, not in select ${t}`);
    } else {
      note('kind', `${where}: ${attr.name} (${t}) holds a reference`);
    }
    return;
  }
  if (R.entities[t]) return note('kind', `${where}: ${attr.name} (${t}) holds ${tok.slice(0, 40)}, not a reference`);
  if (R.enums[t]) {
    const m = /^\.([A-Z0-9_]+)\.$/.exec(tok);
    if (!m || !R.enums[t].includes(m[1])) note('kind', `${where}: ${attr.name} = ${tok} is not a ${t}`);
    return;
  }
  if (R.selects[t]) {
    const m = /^([A-Z][A-Z0-9_]*)\(/.exec(tok);
    if (!m || !expandSelect(t).has(m[1])) note('kind', `${where}: ${attr.name} = ${tok.slice(0, 40)} is not a typed member of ${t}`);
  }
}

for (const ref of refs) {
  const T = ref.type.toUpperCase();
  const where = `#${ref.expressId} ${T}`;
  const name = upper.get(T);
  const meta = name && getEntityMetadata(name);
  if (!meta) { note('unknown', `${where}: unknown entity`); continue; }
  if (meta.isAbstract) { note('unknown', `${where}: abstract entity`); continue; }
  const attrs = getAllAttributesForEntity(name);
  const text = decoder.decode(bytes.subarray(ref.offset, ref.offset + ref.length));
  const toks = topTokens(text);
  const ent = extractor.extractEntity({ expressId: ref.expressId, type: ref.type, byteOffset: ref.offset, byteLength: ref.length, lineNumber: ref.line });
  if (!ent) { note('unknown', `${where}: ifc-lite cannot extract it`); continue; }
  if (toks.length !== attrs.length || ent.attributes.length !== attrs.length) {
    note('count', `${where}: ${toks.length} attributes (ifc-lite: ${ent.attributes.length}), ${name} has ${attrs.length}`);
    continue;
  }
  for (const m of text.matchAll(/#(\d+)/g)) {
    // A '#' inside a string literal is not a reference; strings are rare and
    // never hold '#<digits>' in our files, and a false alarm only fails loudly.
    if (!types.has(Number(m[1]))) note('dangling', `${where}: #${m[1]} is not defined`);
  }
  attrs.forEach((a, i) => {
    const tok = toks[i];
    if (tok === '*') {
      if (!(DERIVED[T] ?? []).includes(i)) note('unset', `${where}: ${a.name} is * but not derived`);
      return;
    }
    if (tok === '$') {
      if (!a.optional) note('unset', `${where}: non-optional ${a.name} is $`);
      return;
    }
    checkValue(tok, a, where);
  });
  if (attrs[0]?.name === 'GlobalId') {
    const g = ent.attributes[0];
    if (typeof g !== 'string' || !GUID.test(g)) note('guid', `${where}: GlobalId ${fmt(g)} is not IFC base64`);
    else if (guids.has(g)) note('guid', `${where}: GlobalId ${g} also on #${guids.get(g).id}`);
    else guids.set(g, { id: ref.expressId, type: T });
  }
  for (const s of strings) {
    if (!s.found && s.class === T) {
      const i = attrs.findIndex((a) => a.name === s.attribute);
      if (i >= 0 && ent.attributes[i] === s.value) s.found = true;
    }
  }
}
const show = (list) => `${list.length}${list.length >= 1000 ? '+' : ''}:\n       ${list.slice(0, 8).join('\n       ')}`;
r.check(problems.unknown.length === 0, 'ifc-lite: every instance is a known, instantiable IFC4 entity', show(problems.unknown));
r.check(problems.count.length === 0, 'ifc-lite: every instance has its entity\'s attribute count', show(problems.count));
r.check(problems.unset.length === 0, 'ifc-lite: no non-optional attribute is unset', show(problems.unset));
r.check(problems.kind.length === 0, 'ifc-lite: attribute values are of their declared kind (references, selects, enumerations)', show(problems.kind));
r.check(problems.dangling.length === 0, 'ifc-lite: every #reference is defined', show(problems.dangling));
r.check(problems.guid.length === 0, `ifc-lite: ${guids.size} GlobalIds valid and distinct`, show(problems.guid));
for (const [g, cls] of Object.entries(expect.global_ids ?? {})) {
  r.equal(guids.get(g)?.type, cls, `ifc-lite: GlobalId ${g} on`);
}
for (const s of strings) r.check(s.found, `ifc-lite: some ${s.class}.${s.attribute} = ${fmt(s.value)}`, 'not found');

r.finish();

// check_gltf.mjs FILE
//
// 1. The Khronos glTF-Validator (npm gltf-validator, validateBytes) reports
//    no error and no warning (infos and hints are allowed); the messages are
//    printed otherwise. A .gltf file's external buffers (relative URIs) are
//    read from the file's folder.
// 2. The validator's info: at least one draw call, triangle and material.
// 3. `assimp info FILE` (Debian assimp-utils) exits 0 and reports meshes.
//    Skipped with a note when assimp is not installed and
//    ARXPORT_REQUIRE_READERS is not 1.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import validator from 'gltf-validator';
import { Report, usage, fatal } from './lib.mjs';

const NAME = 'check_gltf';
if (process.argv.length !== 3) usage(NAME, 'node check_gltf.mjs FILE');
const path = process.argv[2];
if (!existsSync(path)) fatal(NAME, `${path} does not exist`, 2);

const r = new Report(NAME);
const bytes = new Uint8Array(readFileSync(path));

// ---- 1. Khronos validator ----
let result;
try {
  result = await validator.validateBytes(bytes, {
    uri: path,
    maxIssues: 0, // report every issue
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        try {
          resolve(new Uint8Array(readFileSync(join(dirname(path), decodeURIComponent(uri)))));
        } catch (err) {
          reject(err.toString());
        }
      }),
  });
} catch (err) {
  fatal(NAME, `gltf-validator could not read ${path}: ${err}`, 2);
}
const issues = result.issues;
const shown = (severity) =>
  issues.messages
    .filter((m) => m.severity === severity)
    .slice(0, 20)
    .map((m) => `${m.code} at ${m.pointer ?? '-'}: ${m.message}`)
    .join('\n       ');
r.check(issues.numErrors === 0, 'gltf-validator: 0 errors', `${issues.numErrors} error(s):\n       ${shown(0)}`);
r.check(issues.numWarnings === 0, 'gltf-validator: 0 warnings', `${issues.numWarnings} warning(s):\n       ${shown(1)}`);
if (issues.numInfos + issues.numHints > 0) {
  console.log(`note gltf-validator: ${issues.numInfos} info(s), ${issues.numHints} hint(s)`);
}

// ---- 2. content ----
const info = result.info ?? {};
r.check((info.drawCallCount ?? 0) > 0, 'gltf-validator: draw calls', `drawCallCount ${info.drawCallCount}`);
r.check((info.totalTriangleCount ?? 0) > 0, 'gltf-validator: triangles', `totalTriangleCount ${info.totalTriangleCount}`);
r.check((info.materialCount ?? 0) > 0, 'gltf-validator: materials', `materialCount ${info.materialCount}`);
console.log(`note glTF ${info.version ?? '?'}: ${info.drawCallCount} draw calls, ` +
  `${info.materialCount} materials, ${info.totalTriangleCount} triangles, ${info.totalVertexCount} vertices`);

// ---- 3. assimp ----
const have = spawnSync('assimp', ['version'], { encoding: 'utf8' });
if (have.error) {
  if (process.env.ARXPORT_REQUIRE_READERS === '1') r.fail('assimp info', 'assimp is not installed (Debian assimp-utils)');
  else console.log('note assimp is not installed (Debian assimp-utils): skipped');
} else {
  const a = spawnSync('assimp', ['info', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const out = `${a.stdout ?? ''}${a.stderr ?? ''}`;
  const tail = out.trim().split('\n').slice(-15).join('\n       ');
  if (r.check(a.status === 0, 'assimp info: exit 0', `exit ${a.status}:\n       ${tail}`)) {
    const m = /^Meshes:\s+(\d+)/m.exec(out);
    r.check(m !== null && Number(m[1]) > 0, 'assimp info: meshes', m ? `Meshes: ${m[1]}` : `no "Meshes:" line:\n       ${tail}`);
  }
}

r.finish();

// Validates electron-builder.yml offline, where Electron cannot be downloaded: packs the app for
// Linux into a folder (`electron-builder --dir --linux`) on top of a stub Electron distribution,
// then checks what came out: app.asar with the built app, the tray icons beside it, and the fuses
// flipped as configured.
//
// The stub is an "electron" file holding Electron's fuse wire (the sentinel @electron/fuses looks
// for, then version 1, 8 fuses at Electron's defaults), so the real fuse step runs on it.
// Usage: node scripts/package-check.mjs [--keep]   (--keep leaves the temp folder for a look)

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const keep = process.argv.includes('--keep');

/** @electron/fuses finds the fuse wire right after this marker in the Electron binary. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;
/** Electron's fuse order, with the state a fresh Electron binary ships with ('1' on, '0' off). */
const FUSES = [
  ['runAsNode', '1'],
  ['enableCookieEncryption', '0'],
  ['enableNodeOptionsEnvironmentVariable', '1'],
  ['enableNodeCliInspectArguments', '1'],
  ['enableEmbeddedAsarIntegrityValidation', '0'],
  ['onlyLoadAppFromAsar', '0'],
  ['loadBrowserProcessSpecificV8Snapshot', '0'],
  ['grantFileProtocolExtraPrivileges', '1'],
];
/** What electron-builder.yml asks for; checked in the packed binary. */
const EXPECTED_FUSES = {
  runAsNode: '0',
  enableCookieEncryption: '1',
  enableNodeOptionsEnvironmentVariable: '0',
  enableNodeCliInspectArguments: '0',
  enableEmbeddedAsarIntegrityValidation: '1',
  onlyLoadAppFromAsar: '1',
  loadBrowserProcessSpecificV8Snapshot: '0',
  // Off: the window is served from app://, so file:// needs (and gets) no extra privileges.
  grantFileProtocolExtraPrivileges: '0',
};
/** Where scripts/build.mjs writes the Electron main process. */
const BUILT_MAIN = 'dist/main/electron-main.js';
const TRAY_KINDS = ['delivering', 'failing', 'circuit_open', 'paused', 'no_url', 'daemon_disconnected'];

const problems = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

function makeStubElectronDist(dir) {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stub electron: cannot run"; exit 1\n'),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([FUSE_WIRE_VERSION, FUSES.length]),
    Buffer.from(FUSES.map(([, state]) => state).join('')),
    Buffer.from('\n'),
  ]);
  writeFileSync(join(dir, 'electron'), wire);
  chmodSync(join(dir, 'electron'), 0o755);
  // Files a real Linux Electron zip has that electron-builder touches or copies as they are.
  writeFileSync(join(dir, 'version'), electronVersion());
  writeFileSync(join(dir, 'LICENSE'), 'stub\n');
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<p>stub</p>\n');
}

function readFuses(binary) {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL);
  if (at < 0) return null;
  const start = at + FUSE_SENTINEL.length + 2;
  return Object.fromEntries(FUSES.map(([name], i) => [name, String.fromCharCode(bytes[start + i])]));
}

function electronVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

const work = mkdtempSync(join(tmpdir(), 'pilot-package-check-'));
try {
  run(process.execPath, ['scripts/build.mjs', '--quiet']);
  // Electron starts package.json's "main"; it must be the file scripts/build.mjs writes.
  const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main;
  const mainOk = typeof main === 'string' && existsSync(join(root, main));
  check(mainOk, `package.json "main" (${main}) is a built file`);
  // Packed anyway with the built entry, so the rest of the configuration is still checked.
  const mainOverride = mainOk ? [] : [`-c.extraMetadata.main=${BUILT_MAIN}`];
  const stub = join(work, 'electron-dist');
  const out = join(work, 'release');
  makeStubElectronDist(stub);

  const builderCli = require.resolve('electron-builder/cli.js');
  run(
    process.execPath,
    [
      builderCli,
      '--dir',
      '--linux',
      '--x64',
      '--config',
      'electron-builder.yml',
      `-c.electronVersion=${electronVersion()}`,
      `-c.electronDist=${stub}`,
      `-c.directories.output=${out}`,
      // The stub has no headers to rebuild native modules against, and a rebuild would replace
      // the Node build of better-sqlite3 in this checkout (the tests' copy) with a broken one.
      '-c.npmRebuild=false',
      '--publish',
      'never',
      ...mainOverride,
    ],
    // No network: electron-builder must not need to download anything for --dir.
    { env: { ...process.env, ELECTRON_BUILDER_OFFLINE: 'true', CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
  );

  const unpacked = join(out, 'linux-unpacked');
  check(existsSync(unpacked), 'linux-unpacked folder produced');
  const exe = join(unpacked, 'pilot-webhook-desktop');
  check(existsSync(exe), 'executable renamed to pilot-webhook-desktop');
  const asar = join(unpacked, 'resources', 'app.asar');
  check(existsSync(asar), 'resources/app.asar written');
  if (existsSync(asar)) {
    const { listPackage } = require('@electron/asar');
    const files = listPackage(asar).map((f) => f.replace(/\\/g, '/'));
    for (const f of ['/package.json', '/dist/main/electron-main.js', '/dist/preload.cjs', '/dist/renderer/index.html']) {
      check(files.includes(f), `app.asar holds ${f}`);
    }
    check(!files.some((f) => f.endsWith('.map')), 'app.asar holds no source maps');
    check(!files.some((f) => f.startsWith('/dist/fixtures') || f === '/dist/main/headless.js'), 'app.asar holds no headless host or fixtures');
    const modules = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/')[2]));
    check(
      [...modules].every((m) => ['better-sqlite3', 'bindings', 'file-uri-to-path'].includes(m)),
      `app.asar holds only the native SQLite module and its loader (found: ${[...modules].join(', ') || 'none'})`,
    );
    check(modules.has('better-sqlite3') && modules.has('bindings'), 'app.asar holds better-sqlite3 and bindings');
    const unpackedNode = join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    check(existsSync(unpackedNode), 'better_sqlite3.node unpacked beside app.asar (native modules cannot load from inside it)');
  }
  for (const kind of TRAY_KINDS) {
    for (const suffix of ['', '@2x']) {
      check(existsSync(join(unpacked, 'resources', 'tray', `tray-${kind}${suffix}.png`)), `resources/tray/tray-${kind}${suffix}.png`);
    }
  }
  check(existsSync(join(unpacked, 'resources', 'icon.png')), 'resources/icon.png');
  const fuses = existsSync(exe) ? readFuses(exe) : null;
  check(fuses !== null, 'fuse wire found in the packed binary');
  if (fuses) for (const [name, want] of Object.entries(EXPECTED_FUSES)) check(fuses[name] === want, `fuse ${name} = ${want === '1' ? 'on' : 'off'}`);
  if (keep) console.log(`kept: ${work}  (${readdirSync(unpacked).join(', ')})`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`package check failed: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('package check passed');

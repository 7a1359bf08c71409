// Launcher for the REAL Pilot daemon on loopback, for the integration-test tier.
// Plain Node ESM, no dependencies. See README.md beside this file for the facts
// it relies on and how to run it by hand (`node test/daemon/real-daemon.mjs --smoke`).
//
// Where the binaries come from: the Go module proxy reachable here answers
// 403 "This module version is not available." for every
// github.com/pilot-protocol/* module, so `go install` cannot work. The same
// v1.18.0 binaries (built by upstream CI, `go version -m` shows
// github.com/pilot-protocol/pilotprotocol v1.18.0, vcs.revision 8ed371f4...)
// ship inside the PyPI wheel `pilotprotocol==1.18.0`, which we fetch with pip
// and pin by sha256. `rendezvous` (registry + beacon) is not published anywhere
// we can reach, so startRendezvous() falls back to ./stub-registry.mjs.
//
// Network safety: the daemon's built-in defaults point at public hosts (registry
// 34.71.57.205, telemetry, MOTD feed, app-store catalogue, skill manifest), and
// pilotctl dials the registry itself for some commands. Every process started
// here gets flags AND env that point all of those at loopback or turn them off;
// with these settings strace shows connect/sendto only to 127.0.0.1 and the
// unix socket. Belt and braces: run the tier inside `unshare -n` (README).
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startStubRegistry } from './stub-registry.mjs';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const PILOT_VERSION = '1.18.0';
export const PILOT_WHEEL = {
  requirement: `pilotprotocol==${PILOT_VERSION}`,
  file: 'pilotprotocol-1.18.0-py3-none-manylinux_2_34_x86_64.manylinux_2_35_x86_64.whl',
  sha256: '08c19477e96934097313c95cb6b018fc32e328c20f5efbff9353e2e82db4a319',
};
const BIN_SHA256 = {
  'pilot-daemon': 'e4589757ce0fc5f958fb83db056a9571c1b03210c5d563450ae0d9070382a8b9',
  pilotctl: 'dcc838d931c3d409e1d873ea9fa94e7aebbcdadb1d2ea95e278e5d3686b39724',
};
// Any outbound feature we cannot switch off by flag is pointed here: port 9
// (discard) on loopback, where nothing listens, so it fails fast and locally.
const DEAD_LOOPBACK_URL = 'http://127.0.0.1:9/disabled';

const children = new Set(); // every process we started, until it exits
// The UDP port each daemon HOME listened on: a restart of the same name reuses it, because a peer
// keeps dialling the endpoint it last knew (v1.18.0: B's `ping` after A came back on a new port
// failed with "dial: dial timeout" and a hint to wait ~30 s for relay convergence).
const listenPorts = new Map();
const registries = new Set(); // every stub registry we started
let lastRendezvous = null;

const sha256File = (p) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fetch the pinned daemon + pilotctl once into `${cacheDir}/pilot-bin`. Idempotent. */
export async function installPilot({ cacheDir = path.resolve(HERE, '../../.cache') } = {}) {
  const binDir = path.join(cacheDir, 'pilot-bin');
  const bins = { daemon: path.join(binDir, 'pilot-daemon'), pilotctl: path.join(binDir, 'pilotctl') };
  const ok = () => Object.entries(BIN_SHA256).every(([n, h]) => fs.existsSync(path.join(binDir, n)) && sha256File(path.join(binDir, n)) === h);
  if (ok()) return { binDir, ...bins, version: PILOT_VERSION, source: 'cache' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`installPilot: the pinned wheel is linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const wheelDir = path.join(cacheDir, 'pilot-wheel');
  fs.mkdirSync(wheelDir, { recursive: true });
  const wheel = path.join(wheelDir, PILOT_WHEEL.file);
  if (!fs.existsSync(wheel) || sha256File(wheel) !== PILOT_WHEEL.sha256) {
    try {
      await execFileP('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--dest', wheelDir, PILOT_WHEEL.requirement], { timeout: 300_000 });
    } catch (err) {
      // Inside the tier's loopback-only namespace PyPI is unreachable by design: install first.
      const hint = process.env.PILOT_NETNS === '1'
        ? '\nThis runs inside a loopback-only network namespace: install first, outside it, with `node test/daemon/real-daemon.mjs --install`.'
        : '';
      throw new Error(`installPilot: pip download ${PILOT_WHEEL.requirement} failed: ${err.stderr || err.message}${hint}`);
    }
  }
  const got = sha256File(wheel);
  if (got !== PILOT_WHEEL.sha256) throw new Error(`installPilot: ${PILOT_WHEEL.file} sha256 ${got}, expected ${PILOT_WHEEL.sha256}`);
  fs.mkdirSync(binDir, { recursive: true });
  // Extract only the two binaries we need (the wheel also carries libpilot.so and an updater).
  const py = `import zipfile,sys,os
z=zipfile.ZipFile(sys.argv[1])
for n in ('pilot-daemon','pilotctl'):
    d=os.path.join(sys.argv[2],n); open(d,'wb').write(z.read('pilotprotocol/bin/'+n)); os.chmod(d,0o755)`;
  await execFileP('python3', ['-c', py, wheel, binDir]);
  if (!ok()) throw new Error('installPilot: extracted binaries do not match the pinned sha256');
  return { binDir, ...bins, version: PILOT_VERSION, source: 'pypi-wheel' };
}

async function freeTcpPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
async function freeUdpPort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  s.close();
  return port;
}

function track(proc, name, logPath) {
  const entry = { proc, name, logPath, tail: '', exited: null };
  const log = fs.createWriteStream(logPath, { flags: 'a' });
  const onData = (d) => { log.write(d); entry.tail = (entry.tail + d.toString()).slice(-16_384); };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  entry.exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => {
    entry.exited = { code, signal };
    children.delete(entry);
    log.end();
    resolve(entry.exited);
  }));
  children.add(entry);
  return entry;
}

async function stopEntry(entry, signal = 'SIGTERM', graceMs = 10_000) {
  if (entry.exited) return entry.exited;
  try { entry.proc.kill(signal); } catch { /* already gone */ }
  const timer = setTimeout(() => { try { entry.proc.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
  const res = await entry.exitPromise;
  clearTimeout(timer);
  return res;
}

/**
 * Registry + beacon on loopback. Uses a real `rendezvous` binary when one is in
 * binDir (not installable today, see README), otherwise the in-process stub.
 */
export async function startRendezvous({ binDir, tmpDir } = {}) {
  const beaconPort = await freeUdpPort();
  const rv = binDir && path.join(binDir, 'rendezvous');
  if (rv && fs.existsSync(rv)) {
    const regPort = await freeTcpPort();
    fs.mkdirSync(tmpDir, { recursive: true });
    const proc = spawn(rv, ['-registry-addr', `127.0.0.1:${regPort}`, '-beacon-addr', `127.0.0.1:${beaconPort}`], {
      cwd: tmpDir, env: { PATH: process.env.PATH, HOME: tmpDir, PILOT_REGISTRY_NORATELIMIT: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = track(proc, 'rendezvous', path.join(tmpDir, 'rendezvous.log'));
    await waitFor(() => tcpOpen(regPort), 30_000, () => `rendezvous did not listen on ${regPort}:\n${entry.tail}`, entry);
    lastRendezvous = { kind: 'rendezvous', registryAddr: `127.0.0.1:${regPort}`, beaconAddr: `127.0.0.1:${beaconPort}`, stop: () => stopEntry(entry) };
    return lastRendezvous;
  }
  // The stub has no beacon: the daemon waits 5 s for a beacon reply, then
  // falls back to its local address, which is all loopback peers need.
  const logFile = tmpDir ? path.join(tmpDir, 'stub-registry.log') : null;
  if (tmpDir) fs.mkdirSync(tmpDir, { recursive: true });
  const reg = await startStubRegistry({ log: logFile ? (l) => fs.appendFileSync(logFile, `${l}\n`) : undefined });
  registries.add(reg);
  lastRendezvous = {
    kind: 'stub', registryAddr: reg.addr, beaconAddr: `127.0.0.1:${beaconPort}`, nodes: reg.nodes,
    stop: async () => { registries.delete(reg); await reg.close(); },
  };
  return lastRendezvous;
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}
async function waitFor(check, timeoutMs, message, entry) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (entry?.exited) throw new Error(`${message()}\n(exited: ${JSON.stringify(entry.exited)})`);
    await sleep(100);
  }
  throw new Error(message());
}

/** Environment shared by daemon and pilotctl: nothing may reach past loopback. */
function pilotEnv({ home, registryAddr, beaconAddr, socket, extra }) {
  return {
    PATH: process.env.PATH,
    HOME: home, // the daemon keeps ~/.pilot/{webhook_url,config.json,identity.json,...} here
    PILOT_REGISTRY: registryAddr, // pilotctl dials the registry itself for some commands
    PILOT_BEACON: beaconAddr,
    ...(socket ? { PILOT_SOCKET: socket } : {}),
    PILOT_TELEMETRY_URL: '',
    PILOT_MOTD_URL: '',
    PILOT_APPSTORE_CATALOG_URL: `${DEAD_LOOPBACK_URL}/catalogue.json`,
    PILOT_NO_SKILLINJECT: '1',
    PILOT_PROXY: 'off',
    PILOT_TRANSPORT: 'udp',
    PILOT_NO_COLOR: '1',
    ...extra,
  };
}

/**
 * Start one daemon with its own HOME under tmpDir/name and wait for its IPC socket. Starting the
 * same name in the same tmpDir again is a restart: same HOME, identity and UDP port.
 * Returns { name, socket, home, logPath, proc, registryAddr, beaconAddr, stop(signal), exited() }.
 */
export async function startDaemon({
  binDir, tmpDir, name, registryAddr = lastRendezvous?.registryAddr, beaconAddr = lastRendezvous?.beaconAddr,
  env = {}, args = [], webhook, webhookSecret, timeoutMs = 60_000,
}) {
  if (!registryAddr || !beaconAddr) throw new Error('startDaemon: registryAddr/beaconAddr missing (call startRendezvous first)');
  const home = path.join(tmpDir, name, 'home');
  const sockDir = path.join(tmpDir, 's');
  const socket = path.join(sockDir, `${name}.sock`);
  if (Buffer.byteLength(socket) > 100) throw new Error(`startDaemon: socket path too long for AF_UNIX (${socket}); use a shorter tmpDir`);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  if (!listenPorts.has(home)) listenPorts.set(home, await freeUdpPort());
  const argv = [
    '-registry', registryAddr, '-beacon', beaconAddr,
    '-listen', `127.0.0.1:${listenPorts.get(home)}`, '-socket', socket,
    // Stable identity => same node id across restarts of this HOME (reconnect tests).
    '-identity', path.join(home, '.pilot', 'identity.json'),
    '-telemetry-url=', '-motd-feed-url=', '-proxy', 'off', '-transport', 'udp', '-no-skillinject',
    ...(webhook ? ['-webhook', webhook] : []),
    ...(webhookSecret ? ['-webhook-secret', webhookSecret] : []),
    ...args,
  ];
  const proc = spawn(path.join(binDir, 'pilot-daemon'), argv, {
    cwd: path.join(tmpDir, name), env: pilotEnv({ home, registryAddr, beaconAddr, extra: env }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logPath = path.join(tmpDir, name, 'daemon.log');
  const entry = track(proc, `daemon:${name}`, logPath);
  const isSocket = async () => { try { return fs.statSync(socket).isSocket(); } catch { return false; } };
  try {
    await waitFor(isSocket, timeoutMs, () => `daemon ${name}: no socket at ${socket} after ${timeoutMs} ms. stderr tail:\n${entry.tail}`, entry);
  } catch (err) {
    await stopEntry(entry, 'SIGKILL');
    throw err;
  }
  return { name, socket, home, logPath, proc, registryAddr, beaconAddr, stop: (signal = 'SIGTERM') => stopEntry(entry, signal), exited: () => entry.exitPromise };
}

/** Run pilotctl against one daemon. Resolves { code, signal, stdout, stderr } (never rejects on exit code). */
export function pilotctl({ binDir, socket, home, args, registryAddr = lastRendezvous?.registryAddr, beaconAddr = lastRendezvous?.beaconAddr, env = {}, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(binDir, 'pilotctl'), args, {
      cwd: home, env: pilotEnv({ home, registryAddr, beaconAddr, socket, extra: env }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { proc, name: 'pilotctl', tail: '', exited: null };
    children.add(entry);
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    entry.exitPromise = new Promise((res) => proc.on('close', (code, signal) => {
      clearTimeout(timer); entry.exited = { code, signal }; children.delete(entry); res(entry.exited);
      resolve({ code, signal, stdout, stderr });
    }));
    proc.on('error', (e) => { clearTimeout(timer); children.delete(entry); reject(e); });
  });
}

/** Stop everything this module started: SIGTERM, then SIGKILL after graceMs. Safe to call twice. */
export async function stopAll({ graceMs = 5_000 } = {}) {
  await Promise.all([...children].map((e) => stopEntry(e, 'SIGTERM', graceMs)));
  await Promise.all([...registries].map((r) => r.close()));
  registries.clear();
  lastRendezvous = null;
}
// If the test runner dies without calling stopAll, do not leave daemons behind.
process.once('exit', () => { for (const e of children) { try { e.proc.kill('SIGKILL'); } catch { /* gone */ } } });

/** Short tmp dir: AF_UNIX paths must stay under ~107 bytes. */
export function makeTmpDir(prefix = 'pilot-it-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// --- by hand: node test/daemon/real-daemon.mjs --smoke -----------------------------
// Two daemons, a loopback receiver as A's webhook, then handshake/ping/connect/
// send-message from B to A and SIGTERM of A; prints every POST A made.
async function smoke() {
  const http = await import('node:http');
  const tmpDir = makeTmpDir();
  const posts = [];
  const recv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { posts.push({ path: req.url, sig: req.headers['x-pilot-signature-256'], body }); res.end('ok'); });
  });
  await new Promise((r) => recv.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${recv.address().port}/hook`;
  try {
    const { binDir } = await installPilot();
    const rv = await startRendezvous({ binDir, tmpDir });
    const [a, b] = await Promise.all([startDaemon({ binDir, tmpDir, name: 'a' }), startDaemon({ binDir, tmpDir, name: 'b' })]);
    const ctl = (d, ...args) => pilotctl({ binDir, socket: d.socket, home: d.home, args });
    const show = async (label, p) => { const r = await p; console.log(`$ ${label} -> exit ${r.code}\n${(r.stdout + r.stderr).trim()}\n`); return r; };
    await show('A: extras set-webhook', ctl(a, 'extras', 'set-webhook', hook));
    const infoA = JSON.parse((await ctl(a, '--json', 'info')).stdout).data;
    const infoB = JSON.parse((await ctl(b, '--json', 'info')).stdout).data;
    await show('B: handshake A', ctl(b, 'handshake', String(infoA.node_id), 'smoke test'));
    await show('A: approve B', ctl(a, 'approve', String(infoB.node_id)));
    await show('B: ping A', ctl(b, 'ping', infoA.address, '--count', '2'));
    await show('B: connect A 7', ctl(b, 'connect', infoA.address, '7', '--message', 'hello', '--timeout', '10s'));
    await show('B: send-message A', ctl(b, 'send-message', infoA.address, '--data', 'hi from b'));
    console.log('SIGTERM A ->', await a.stop('SIGTERM'));
    await sleep(500);
    console.log(`registry: ${rv.kind} ${rv.registryAddr}; ${posts.length} POSTs to ${hook}:`);
    for (const p of posts) console.log(`  ${p.body}`);
  } finally {
    await stopAll();
    recv.close();
    console.log(`logs kept in ${tmpDir}`);
  }
}

// --install: fetch the pinned binaries into .cache/pilot-bin (needs PyPI, so run it before
// entering the loopback-only namespace); a no-op when they are cached already.
const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain && process.argv.includes('--install')) {
  installPilot().then(
    (r) => console.log(`pilot ${r.version}: ${r.binDir} (${r.source})`),
    (e) => { console.error(e.message); process.exit(1); },
  );
} else if (isMain && process.argv.includes('--smoke')) {
  smoke().catch(async (e) => { console.error(e); await stopAll(); process.exit(1); });
}

// Child processes of the benchmark: worker scripts (one JSON line out), the receiver and the
// headless host. Every child is tracked and stopped by its own pid when the run ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a host or receiver may take to say it is ready. */
const READY_TIMEOUT_MS = 20_000;
/** How long a stopping host may drain before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
const LISTENING = /^listening (http:\/\/127\.0\.0\.1:\d+)\/$/m;

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Runs a command to the end; resolves its last stdout JSON line, rejects on a non-zero exit. */
export function runJson(command, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const lines = out.trim().split('\n').filter(Boolean);
      if (code !== 0) {
        reject(new Error(`${[command, ...args].join(' ')} exited ${code ?? signal}:\n${err}${out}`));
        return;
      }
      try {
        resolve(JSON.parse(lines[lines.length - 1] ?? ''));
      } catch {
        reject(new Error(`${command} printed no JSON result:\n${out}\n${err}`));
      }
    });
  });
}

/** Runs a bundled worker (.cache/bench/<name>.js) under Node. */
export function runWorker(dir, name, args, nodeArgs = []) {
  return runJson(process.execPath, [...nodeArgs, join(dir, `${name}.js`), ...args]);
}

function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready in ${READY_TIMEOUT_MS} ms:\n${err}`)), READY_TIMEOUT_MS);
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ match: m, rest: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code} before it was ready:\n${err}`));
    });
  });
}

/**
 * The receiver (bench/receiver.mjs, options there), in its own process. stats() reads and resets
 * its window (GET /_stats); stop() resolves its request and connection counts.
 */
export async function startReceiver(script, args = []) {
  const child = track(spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const { match, rest } = await waitForLine(child, /^\{"port":(\d+)\}$/m, 'receiver');
  const port = Number(match[1]);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    pid: child.pid,
    stats: async () => (await fetch(`http://127.0.0.1:${port}/_stats`)).json(),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      const last = rest().trim().split('\n').pop();
      return JSON.parse(last);
    },
  };
}

/**
 * The headless host (dist/main/headless.js) with a temp data folder and no daemon.
 * Resolves once it printed `listening …`, with `readyMs` measured from spawn.
 */
export async function startHost(headless, { url, args = [], nodeArgs = [] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pilot-bench-host-'));
  const token = `bench${Math.random().toString(36).slice(2)}`;
  const argv = [headless, ...(args.includes('--daemon-socket') ? [] : ['--no-daemon']), '--port', '0', '--data-dir', dataDir, '--token', token, ...args];
  if (url) argv.push('--url', url);
  const t0 = performance.now();
  const child = track(spawn(process.execPath, [...nodeArgs, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const { match } = await waitForLine(child, LISTENING, 'headless host');
  const readyMs = performance.now() - t0;
  const origin = match[1];
  const api = async (path) => {
    const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    origin,
    token,
    readyMs,
    pid: child.pid,
    api: async (path, method = 'GET') => {
      const res = await fetch(`${origin}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
      return res.json();
    },
    pageUrl: `${origin}/#token=${token}`,
    state: () => api('/api/state'),
    /** Resolves with the host log's warm-up line once the start-up warm-up has ended (null: none in time). */
    warmedUp: async (timeoutMs = READY_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        let text = '';
        try {
          text = readFileSync(join(dataDir, 'main.log'), 'utf8');
        } catch {
          // not written yet
        }
        const line = /delivery warm-up[^\n]*/.exec(text);
        if (line) return line[0];
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

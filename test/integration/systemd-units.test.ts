// The headless host under systemd: the unit files' content (and systemd-analyze's verdict where it
// is installed), and the socket-activation code path with a passed fd. This container runs no
// systemd (no PID 1, no user manager), so `systemctl --user` cannot be exercised here; the
// socket-activation protocol and Restart= are played by test/fixtures/socket-activator.py, which
// holds the listening socket across a SIGKILL of the host exactly as systemd would.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUnits, SERVICE_UNIT, SOCKET_UNIT, quoteArg } from '../../src/main/headless/systemd-units';
import { socketActivation } from '../../src/main/headless/socket-activation';
import { buildOnce, daemonEvent, ROOT } from '../e2e/helpers/host';

const UNITS = renderUnits({ node: '/usr/bin/node', headless: '/opt/pilot webhook/dist/main/headless.js', dataDir: '/home/ada/.config/pw', ingestPort: 47616 });

describe('the systemd user units', () => {
  it('a socket on the loopback ingest port, named for the host, and a service that restarts and uses it', () => {
    expect(UNITS[SOCKET_UNIT]).toContain('\nListenStream=127.0.0.1:47616\n');
    expect(UNITS[SOCKET_UNIT]).toContain('\nFileDescriptorName=ingest\n');
    expect(UNITS[SOCKET_UNIT]).toContain(`\nService=${SERVICE_UNIT}\n`);
    expect(UNITS[SERVICE_UNIT]).toContain('\nExecStart="/usr/bin/node" "/opt/pilot webhook/dist/main/headless.js" "--data-dir" "/home/ada/.config/pw"\n');
    expect(UNITS[SERVICE_UNIT]).toMatch(/\nRestart=on-failure\nRestartSec=1\n/);
    expect(UNITS[SERVICE_UNIT]).toContain(`\nSockets=${SOCKET_UNIT}\n`);
    expect(quoteArg('100%"x\\')).toBe('"100%%\\"x\\\\"');
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze)('systemd-analyze verify accepts them (and refuses a broken one: the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'units-'));
    try {
      for (const [name, text] of Object.entries(UNITS)) writeFileSync(join(dir, name), text.replace('/opt/pilot webhook/dist/main/headless.js', '/bin/true'));
      const ok = spawnSync('systemd-analyze', ['verify', join(dir, SERVICE_UNIT), join(dir, SOCKET_UNIT)], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      writeFileSync(join(dir, SERVICE_UNIT), UNITS[SERVICE_UNIT]!.replace('ExecStart=', 'ExecStart=relative/path '));
      const bad = spawnSync('systemd-analyze', ['verify', join(dir, SERVICE_UNIT), join(dir, SOCKET_UNIT)], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('socketActivation (sd_listen_fds)', () => {
  it('takes fd 3 only when LISTEN_PID is this process, and clears the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'ingest' };
    expect(socketActivation(env, 42)).toEqual({ ingestFd: 3 });
    expect(env).toEqual({});
    expect(socketActivation({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42).problem).toMatch(/^LISTEN_PID=41 is not this process \(42\)/);
    expect(socketActivation({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'x:ingest' }, 42)).toEqual({ ingestFd: 4 });
    expect(socketActivation({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'x:y' }, 42).problem).toMatch(/none is named "ingest"/);
    expect(socketActivation({}, 42)).toEqual({});
  });
});

describe('the host with a passed ingest socket, killed and restarted', () => {
  let dir: string;
  let sup: ChildProcess;
  let out = '';
  let err = '';
  let port: number;
  const TOKEN = 'systemd-test-token';

  beforeAll(async () => {
    await buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'activated-'));
    port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    sup = spawn('python3', [join(ROOT, 'test/fixtures/socket-activator.py'), String(port), process.execPath, join(ROOT, 'dist/main/headless.js'), '--no-daemon', '--data-dir', dir, '--token', TOKEN, '--port', '0'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, RESTART_GATE: join(dir, 'restart-gate') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sup.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    sup.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  });

  afterAll(async () => {
    const exited = new Promise((r) => sup.once('exit', r));
    sup.kill('SIGKILL');
    for (const pid of children()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  const origins = (): string[] => [...out.matchAll(/^listening (http:\/\/127\.0\.0\.1:\d+)\/$/gm)].map((m) => m[1]!);
  const children = (): number[] => [...err.matchAll(/^child (\d+)$/gm)].map((m) => Number(m[1]));
  async function until(cond: () => boolean, what: string): Promise<void> {
    const end = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false; // ESRCH: gone, and reaped by the activator
    }
  };
  /** A POST on a connection of its own (fetch would reuse a kept-alive one to the killed host). */
  function postOnNewConnection(url: string, body: object): { connected: Promise<void>; status: Promise<number> } {
    let connected!: () => void;
    const whenConnected = new Promise<void>((r) => (connected = r));
    const status = new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('socket', (socket) => socket.once('connect', connected));
      req.end(JSON.stringify(body));
    });
    return { connected: whenConnected, status };
  }
  const api = async (origin: string, path: string) =>
    (await (await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as Record<string, unknown>;

  it('serves the ingest on the passed socket; a POST sent while it is dead waits in the backlog and is answered by the next process', async () => {
    await until(() => origins().length === 1, 'the first host');
    const first = (await api(origins()[0]!, '/api/state')) as { ingest: { url: string } };
    expect(first.ingest.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/ingest/[A-Za-z0-9_-]{43}$`));
    const post = (id: number) =>
      fetch(first.ingest.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(daemonEvent(id, `gap.test.${id}`)) });
    expect((await post(1)).status).toBe(204);

    const firstPid = children()[0]!;
    process.kill(firstPid, 'SIGKILL');
    // Gone for certain (a SIGKILLed process on a loaded machine dies when it is next scheduled;
    // until then it still accepts on the shared socket, and would reset this POST's connection).
    await until(() => !alive(firstPid), 'the first host to be gone');
    // The activator does not start the next host before the gate opens: no process is accepting.
    const answered = postOnNewConnection(first.ingest.url, daemonEvent(2, 'gap.test.2'));
    await answered.connected; // the kernel completed the handshake into the backlog
    expect(children()).toEqual([firstPid]);
    writeFileSync(join(dir, 'restart-gate'), '');
    expect(await answered.status).toBe(204); // answered by the next process
    await until(() => origins().length === 2, 'the second host');
    expect(children()).toHaveLength(2);
    const second = (await api(origins()[1]!, '/api/state')) as { ingest: { url: string } };
    expect(second.ingest.url).toBe(first.ingest.url); // same port (the socket) and token (the data folder)
    const log = (await api(origins()[1]!, '/api/log?limit=10')) as { records: { event: string }[] };
    expect(log.records.map((r) => r.event)).toContain('gap.test.2');
  });
});

// The headless host under systemd: the unit files' content (and systemd-analyze's verdict where it
// is installed), and the socket-activation code path with a passed fd. This container runs no
// systemd (no PID 1, no user manager), so `systemctl --user` cannot be exercised here; the
// socket-activation protocol and Restart= are played by test/fixtures/socket-activator.py, which
// holds the listening socket across a SIGKILL of the host exactly as systemd would.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
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
  const api = async (origin: string, path: string) =>
    (await (await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as Record<string, unknown>;

  it('serves the ingest on the passed socket; a POST sent while it is dead waits in the backlog and is answered by the next process', async () => {
    await until(() => origins().length === 1, 'the first host');
    const first = (await api(origins()[0]!, '/api/state')) as { ingest: { url: string } };
    expect(first.ingest.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/ingest/[A-Za-z0-9_-]{43}$`));
    const post = (id: number) =>
      fetch(first.ingest.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(daemonEvent(id, `gap.test.${id}`)) });
    expect((await post(1)).status).toBe(204);

    process.kill(children()[0]!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50)); // dead, and the activator waits before starting it again
    const answered = await post(2); // connects at once (the kernel accepts into the backlog) and waits
    expect(answered.status).toBe(204);
    await until(() => origins().length === 2, 'the second host');
    expect(children()).toHaveLength(2);
    const second = (await api(origins()[1]!, '/api/state')) as { ingest: { url: string } };
    expect(second.ingest.url).toBe(first.ingest.url); // same port (the socket) and token (the data folder)
    const log = (await api(origins()[1]!, '/api/log?limit=10')) as { records: { event: string }[] };
    expect(log.records.map((r) => r.event)).toContain('gap.test.2');
  });
});

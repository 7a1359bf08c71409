// Installs the headless host as systemd user units (see headless/systemd-units.ts):
//   npm run build && node dist/main/install-systemd-units.js [--data-dir D] [--port N]
//       [--daemon-socket P] [--unit-dir DIR] [--enable]
// Writes pilot-webhook.service and pilot-webhook-ingest.socket into ~/.config/systemd/user (or
// --unit-dir); with --enable runs `systemctl --user daemon-reload` and enables both. The ingest
// port defaults to the one the data folder remembers, so the daemon's URL stays the same.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './core/app-paths';
import { LinkMemory } from './core/daemon/link-memory';
import { DEFAULT_INGEST_PORT, renderUnits, SERVICE_UNIT, SOCKET_UNIT } from './headless/systemd-units';

function main(): void {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'daemon-socket': { type: 'string' },
      'unit-dir': { type: 'string' },
      enable: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const remembered = LinkMemory.inDataDir(dataDir).get().ingest?.port;
  const port = values.port !== undefined ? Number(values.port) : remembered || DEFAULT_INGEST_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--port must be 1-65535, got ${values.port}`);
  const unitDir = values['unit-dir'] ?? join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
  const units = renderUnits({
    node: process.execPath,
    headless: join(dirname(fileURLToPath(import.meta.url)), 'headless.js'),
    dataDir,
    ingestPort: port,
    ...(values['daemon-socket'] !== undefined && { daemonSocket: resolve(values['daemon-socket']) }),
  });
  mkdirSync(unitDir, { recursive: true });
  for (const [name, text] of Object.entries(units)) {
    writeFileSync(join(unitDir, name), text, { mode: 0o644 });
    process.stdout.write(`wrote ${join(unitDir, name)}\n`);
  }
  const commands = [['daemon-reload'], ['enable', '--now', SOCKET_UNIT, SERVICE_UNIT]];
  if (!values.enable) {
    process.stdout.write(`next: ${commands.map((c) => `systemctl --user ${c.join(' ')}`).join(' && ')}\n`);
    return;
  }
  for (const c of commands) execFileSync('systemctl', ['--user', ...c], { stdio: 'inherit' });
}

try {
  main();
} catch (err) {
  process.stderr.write(`install-systemd-units: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

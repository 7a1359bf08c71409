// Headless host: the same controller as the Electron app, with the window served as a web page on
// 127.0.0.1 (docs/architecture.md, "The headless host"). Prints exactly one stdout line when ready:
//   listening http://127.0.0.1:<port>/
// Everything meant for a person goes to stderr.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskUrlCredentials } from '../shared/url-mask';
import { defaultDataDir } from './core/app-paths';
import { createController, type Controller, type ControllerOptions } from './core/controller';
import { describeWarmUp, WARM_UP_DELAY_MS } from './core/delivery/delivery-warm-up';
import { tuneTiering } from './core/v8-tiering';
import { socketActivation } from './headless/socket-activation';
import { createFleetController, type FleetOptions } from './core/fleet/fleet-controller';
import { readFleetKeyFile } from './core/fleet/fleet-key';
import { fleetFromSettings } from './core/fleet/fleet-settings';
import { DEFAULT_FLEET, natsServers, type FleetRole } from './core/fleet/fleet-names';
import { prepareDataFolder } from './core/data-folder';
import { lockDataFolder } from './core/data-folder-lock';
import { createEnvProxyEgress } from './core/egress-proxy';
import { RefusedUrlError } from './core/url-policy';
import { checkRetryPlan, parseMaxEventAge } from './core/delivery/retry-schedule';
import { readDaemonWebhookUrl, resolveSocketPath } from './core/daemon/socket-discovery';
import { openConfStore } from './core/settings/conf-store';
import { SettingsService } from './core/settings/settings';
import { exportFileName, JSON_LINES_TYPE, writeJsonLines } from './core/outbox/history-export';
import { EXPORT_PATH } from '../shared/http-routes';
import { readCredentials } from './headless/credentials';
import { HEADLESS_USAGE, parseHeadlessArgs } from './headless/headless-args';
import { openHostLog, type HostLog } from './headless/host-log';
import { startApiServer } from './headless/api-server';

/** Bytes of randomness in a generated API token. */
const TOKEN_BYTES = 24;

/** Exit code for a usage error or a refused --url, as command-line tools use. */
const EXIT_USAGE = 2;

/** Exit code when another process holds the data folder (EX_TEMPFAIL: try again once it stops). */
const EXIT_IN_USE = 75;

/** The data folder's main.log, once the folder is ours; what was said before it is kept for it. */
let hostLog: HostLog | null = null;
const beforeLog: string[] = [];

function logLine(level: 'info' | 'warn' | 'error', message: string): void {
  if (hostLog) hostLog.write(level, message);
  else beforeLog.push(message);
}

/** A warning for the person at the terminal and the log; a URL in it never shows its password. */
function warn(message: string): void {
  process.stderr.write(`warning: ${maskUrlCredentials(message)}\n`);
  logLine('warn', message);
}

function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  tuneTiering();
  const parsed = parseHeadlessArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`${parsed.message}\n\n${HEADLESS_USAGE}\n`);
    process.exit(EXIT_USAGE);
  }
  const args = parsed.args;
  if (args.help) {
    process.stdout.write(`${HEADLESS_USAGE}\n`);
    return;
  }

  const creds = readCredentials(args, process.env, (path) => readFileSync(path, 'utf8'));
  if (!creds.ok) {
    process.stderr.write(`${creds.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const { token: givenToken, tokenSource, secret } = creds.credentials;
  for (const w of creds.credentials.warnings) warn(w);

  // Fleet mode (--nats): the key is checked before anything starts, so a bad file stops us here.
  let fleet: FleetOptions | undefined;
  if (args.nats !== undefined) {
    try {
      fleet = {
        servers: natsServers(args.nats),
        ...(args.natsCreds !== undefined && { credsFile: args.natsCreds }),
        name: args.fleet ?? DEFAULT_FLEET,
        role: (args.role ?? 'all') as FleetRole,
        key: readFleetKeyFile(args.fleetKeyFile!),
      };
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(EXIT_USAGE);
    }
  }

  const dataDir = args.dataDir ?? defaultDataDir();
  for (const w of prepareDataFolder(dataDir)) warn(w);
  const claimed = lockDataFolder(dataDir, { host: 'headless' });
  if (!claimed.ok) {
    process.stderr.write(`${claimed.message}\n`);
    process.exit(EXIT_IN_USE);
  }
  hostLog = openHostLog(dataDir, (problem) => process.stderr.write(`warning: ${problem}\n`));
  hostLog.write('info', `headless host ${process.pid} starting (Node ${process.version})`);
  for (const m of beforeLog.splice(0)) hostLog.write('warn', m);
  const opened = openConfStore(dataDir);
  const settings = new SettingsService(opened.kv, opened.warnings);
  for (const w of settings.warnings) warn(w);

  // Without --nats, the `nats` setting joins a fleet the same way (the desktop app reads it too).
  if (fleet === undefined && !args.noOutbox) {
    try {
      fleet = fleetFromSettings(settings.get()) ?? undefined;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(EXIT_USAGE);
    }
  }

  // Each retry flag is valid alone; together with the timings they must leave the first attempts room.
  if (args.maxEventAge !== undefined || args.timeoutMs !== undefined || args.retryBackoffMs !== undefined) {
    const plan = { ...settings.get(), ...(args.timeoutMs !== undefined && { timeoutMs: args.timeoutMs }), ...(args.retryBackoffMs !== undefined && { retryBackoffMs: args.retryBackoffMs }) };
    const age = parseMaxEventAge(args.maxEventAge ?? plan.maxEventAge);
    const problem = age.ok ? checkRetryPlan({ ...plan, maxEventAgeMs: age.value }) : age.message;
    if (problem && !args.noOutbox) {
      process.stderr.write(`--max-event-age refused: ${problem}\n`);
      process.exit(EXIT_USAGE);
    }
  }

  const discovery = resolveSocketPath({
    env: process.env,
    homedir: homedir(),
    platform: process.platform,
    readFile: readFileOrNull,
    override: args.daemonSocket ?? settings.get().daemonSocket ?? undefined,
  });

  // Demo mode shows synthetic events; it links a real daemon only when asked to with
  // --daemon-socket, so a machine without a daemon does not show "Daemon not connected".
  const linkDaemon = !args.noDaemon && (!args.demo || args.daemonSocket !== undefined);

  // Started by the systemd user units (packaging/systemd): the ingest socket is the manager's.
  const activation = socketActivation(process.env, process.pid);
  if (activation.problem) warn(activation.problem);

  let uiPort = 0;
  // --url is judged by the run's URL policy (strict mode, own ports) once the ingest is up.
  const controller = await (fleet ? (o: ControllerOptions) => createFleetController({ ...o, fleet: fleet! }) : createController)({
    settings,
    logFile: hostLog.path,
    runOverrides: {
      ...(args.url !== undefined && { url: args.url }),
      ...(secret !== undefined && { secret }),
      ...(args.timeoutMs !== undefined && { timeoutMs: args.timeoutMs }),
      ...(args.retryBackoffMs !== undefined && { retryBackoffMs: args.retryBackoffMs }),
      ...(args.circuitCooldownMs !== undefined && { circuitCooldownMs: args.circuitCooldownMs }),
      ...(args.queueSize !== undefined && { queueSize: args.queueSize }),
      ...(args.concurrency !== undefined && { concurrency: args.concurrency }),
      ...(args.retrySchedule !== undefined && { retrySchedule: args.retrySchedule }),
      ...(args.maxEventAge !== undefined && { maxEventAge: args.maxEventAge }),
    },
    daemon: {
      enabled: linkDaemon,
      socketPath: discovery.path,
      unsupported: discovery.unsupported,
      source: discovery.source,
      daemonWebhookUrl: !linkDaemon
        ? null
        : readDaemonWebhookUrl({ env: process.env, homedir: homedir(), readFile: readFileOrNull }),
      ...(activation.ingestFd !== undefined && { ingestFd: activation.ingestFd }),
    },
    demo: args.demo,
    // The UI's port once listening; before that the one asked for, so --url is judged against it too.
    ownPorts: () => (uiPort ? [uiPort] : args.port ? [args.port] : []),
    // HTTP_PROXY / HTTPS_PROXY / NO_PROXY, as curl reads them; the guard's checks still run.
    egress: (guard) => createEnvProxyEgress(guard, process.env),
    dataDir,
    outbox: !args.noOutbox,
    ...(!args.noWarmUp && { warmUpAfterMs: WARM_UP_DELAY_MS }),
    // No powerMonitor without Electron: a jump of the wall clock says the machine slept.
    watchClock: true,
  }).catch((err: unknown): Controller => {
    if (!(err instanceof RefusedUrlError)) throw err;
    process.stderr.write(`--url refused: ${err.reason}\n`);
    process.exit(EXIT_USAGE);
  });
  // The controller's own warnings (history, daemon URL import, demo), after the settings' ones above.
  for (const w of controller.getState().warnings.filter((w) => !settings.warnings.map(maskUrlCredentials).includes(w))) warn(w);

  const token = givenToken ?? randomBytes(TOKEN_BYTES).toString('base64url');
  const here = dirname(fileURLToPath(import.meta.url));
  const server = await startApiServer({
    handlers: controller.handlers,
    subscribe: controller.subscribe,
    token,
    port: args.port ?? 0,
    staticDir: join(here, '..', 'renderer'),
    onError: (err) => logLine('error', `a bridge call failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    downloads: {
      [EXPORT_PATH]: async (res) => {
        res.writeHead(200, {
          'Content-Type': JSON_LINES_TYPE,
          'Content-Disposition': `attachment; filename="${exportFileName(Date.now())}"`,
        });
        await writeJsonLines(res, controller.historyPages());
        res.end();
      },
    },
  });
  uiPort = server.port;

  void controller.warmUp.then((outcome) => {
    const line = describeWarmUp(outcome);
    if (line) logLine('info', line);
  });
  process.stdout.write(`listening http://127.0.0.1:${server.port}/\n`);
  logLine('info', `listening http://127.0.0.1:${server.port}/`);
  if (fleet) process.stderr.write(`fleet mode: fleet "${fleet.name}", role ${fleet.role}, NATS ${fleet.servers.join(', ')}\n`);
  // A generated token is shown (there is no other way to learn it); one the user gave is not echoed.
  process.stderr.write(
    tokenSource === undefined
      ? `open http://127.0.0.1:${server.port}/#token=${token}\n`
      : `open http://127.0.0.1:${server.port}/#token=<the token from ${tokenSource}>\n`,
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: ${linkDaemon ? 'handing the daemon its URL back and draining deliveries' : 'draining deliveries'}…\n`);
    logLine('info', `${signal}: stopping`);
    await controller.close();
    // What the hand-back did (or why it could not), for whoever reads the service's log.
    let handBack: string | null = null;
    try {
      handBack = linkDaemon ? controller.getState().daemon.lastEvent : null;
    } catch {
      // the state could not be read after close: nothing more to say
    }
    if (handBack) process.stderr.write(`daemon: ${handBack}\n`);
    await server.close();
    logLine('info', 'stopped');
    claimed.lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`headless host failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

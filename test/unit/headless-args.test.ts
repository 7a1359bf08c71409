import { describe, expect, it } from 'vitest';
import { HEADLESS_USAGE, parseHeadlessArgs, type HeadlessArgs } from '../../src/main/headless/headless-args';
import { INT_BOUNDS, readSettings } from '../../src/main/core/settings/settings-schema';

const DEFAULTS: HeadlessArgs = { port: 0, noDaemon: false, demo: false, help: false };

describe('parseHeadlessArgs: accepted', () => {
  const cases: [string, string[], Partial<HeadlessArgs>][] = [
    ['nothing → defaults', [], {}],
    ['--port value', ['--port', '8080'], { port: 8080 }],
    ['--port=value', ['--port=8080'], { port: 8080 }],
    ['port 0 and 65535 are the bounds', ['--port', '65535'], { port: 65535 }],
    ['--token', ['--token', 'abc-DEF_1.2~3'], { token: 'abc-DEF_1.2~3' }],
    ['--data-dir with spaces', ['--data-dir', '/tmp/my data'], { dataDir: '/tmp/my data' }],
    ['--url=value keeps its own "="', ['--url=http://127.0.0.1:9/hook?a=b'], { url: 'http://127.0.0.1:9/hook?a=b' }],
    ['--secret=value may start with dashes', ['--secret=--odd'], { secret: '--odd' }],
    ['--secret whsec', ['--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    ['--daemon-socket', ['--daemon-socket', '/tmp/pilot.sock'], { daemonSocket: '/tmp/pilot.sock' }],
    ['--no-daemon --demo', ['--no-daemon', '--demo'], { noDaemon: true, demo: true }],
    ['--no-warm-up', ['--no-warm-up'], { noWarmUp: true }],
    [
      'tuning flags',
      ['--timeout-ms', '200', '--retry-backoff-ms=0', '--circuit-cooldown-ms', '50', '--queue-size', '1', '--concurrency', '4'],
      { timeoutMs: 200, retryBackoffMs: 0, circuitCooldownMs: 50, queueSize: 1, concurrency: 4 },
    ],
    ['--help', ['--help'], { help: true }],
    ['-h', ['-h'], { help: true }],
    ['a value starting with "-" in the = form', ['--token=-abc'], { token: '-abc' }],
    ['--token-file and --secret-file', ['--token-file', '/run/t', '--secret-file=/run/s'], { tokenFile: '/run/t', secretFile: '/run/s' }],
    ['the settings\' lowest timeout', ['--timeout-ms', '50'], { timeoutMs: 50 }],
  ];
  it.each(cases)('%s', (_name, argv, expected) => {
    expect(parseHeadlessArgs(argv)).toEqual({ ok: true, args: { ...DEFAULTS, ...expected } });
  });
});

describe('parseHeadlessArgs: refused, naming the flag', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--bogus'], /unknown flag --bogus/],
    ['unknown flag with value', ['--bogus=1'], /unknown flag --bogus/],
    ['unknown short flag', ['-x'], /unknown flag -x/],
    ['positional argument', ['serve'], /unexpected argument "serve"/],
    ['missing value at the end', ['--port'], /--port needs a value/],
    ['flag where the value should be', ['--token', '--demo'], /--token needs a value/],
    ['a value starting with "-" needs the = form', ['--token', '-abc'], /--token needs a value .*--token=-value/],
    ['empty value', ['--url='], /--url needs a value/],
    ['non-integer', ['--port', 'eighty'], /--port must be a whole number from 0 to 65535, got "eighty"/],
    ['fraction', ['--timeout-ms', '1.5'], /--timeout-ms must be a whole number from 50 to 120000/],
    ['negative number', ['--retry-backoff-ms=-5'], /--retry-backoff-ms must be a whole number from 0 to 600000, got "-5"/],
    ['negative number, = form', ['--queue-size=-1'], /--queue-size must be a whole number from 1 to 1000000/],
    // The settings refuse a timeout under 50 ms; the flag used to allow 1.
    ['timeout below the settings floor', ['--timeout-ms', '1'], /--timeout-ms must be between 50 and 120000, got 1/],
    // The dispatcher needs room for one event; 0 used to pass here and crash the host at start.
    ['queue size 0', ['--queue-size', '0'], /--queue-size must be between 1 and 1000000, got 0/],
    ['queue size above the settings ceiling', ['--queue-size', '1000001'], /--queue-size must be between 1 and 1000000/],
    ['hex is not decimal', ['--port', '0x50'], /--port must be/],
    ['port above 65535', ['--port', '65536'], /--port must be between 0 and 65535, got 65536/],
    ['timeout 0', ['--timeout-ms', '0'], /--timeout-ms must be between 50 and/],
    ['cool-down past the settings ceiling', ['--circuit-cooldown-ms', '2147483648'], /--circuit-cooldown-ms must be between 0 and 3600000/],
    ['concurrency 0', ['--concurrency', '0'], /--concurrency must be between 1 and 64/],
    ['beyond safe integers', ['--queue-size', '99999999999999999999'], /--queue-size must be a whole number from 1 to 1000000/],
    ['bool flag with value', ['--demo=yes'], /--demo takes no value/],
    ['repeated flag', ['--port', '1', '--port=2'], /--port is given more than once/],
    ['token with URL-unsafe characters', ['--token', 'a#b'], /--token may contain only/],
    ['socket and no-daemon', ['--daemon-socket', '/tmp/s', '--no-daemon'], /--daemon-socket and --no-daemon/],
    ['token and token file', ['--token', 'abc', '--token-file', '/run/t'], /--token and --token-file cannot be used together/],
    ['secret and secret file', ['--secret=s', '--secret-file', '/run/s'], /--secret and --secret-file cannot be used together/],
    ['empty file name', ['--token-file='], /--token-file needs a value/],
  ];
  it.each(cases)('%s', (_name, argv, message) => {
    const parsed = parseHeadlessArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('HEADLESS_USAGE', () => {
  it('lists every flag of the contract', () => {
    for (const flag of [
      '--port', '--token', '--token-file', '--data-dir', '--url', '--secret', '--secret-file', '--daemon-socket', '--no-daemon', '--demo',
      '--timeout-ms', '--retry-backoff-ms', '--circuit-cooldown-ms', '--queue-size', '--concurrency', '--help',
    ]) {
      expect(HEADLESS_USAGE).toContain(flag);
    }
    expect(HEADLESS_USAGE).toContain('PILOT_WEBHOOK_TOKEN');
    expect(HEADLESS_USAGE).toContain('PILOT_WEBHOOK_SECRET');
  });

  it('shows each run-only setting flag with the settings\' bounds and default', () => {
    expect(HEADLESS_USAGE).toMatch(/--timeout-ms N +per-attempt timeout in ms \(50-120000, default 5000\)/);
    expect(HEADLESS_USAGE).toMatch(/--queue-size N .*\(1-1000000, default 1024\)/);
  });
});

describe('flags and the settings file accept the same values', () => {
  it.each([
    ['--timeout-ms', 'timeoutMs'],
    ['--retry-backoff-ms', 'retryBackoffMs'],
    ['--circuit-cooldown-ms', 'circuitCooldownMs'],
    ['--queue-size', 'queueSize'],
    ['--concurrency', 'concurrency'],
  ] as const)('%s and "%s": both ends in, one past each end out', (flag, key) => {
    const [min, max] = INT_BOUNDS[key];
    for (const n of [min, max]) {
      expect(parseHeadlessArgs([flag, String(n)]), `${flag} ${n}`).toMatchObject({ ok: true, args: { [key]: n } });
      expect(readSettings({ [key]: n }).warnings, `${key} ${n}`).toStrictEqual([]);
    }
    for (const n of [min - 1, max + 1].filter((x) => x >= 0)) {
      expect(parseHeadlessArgs([flag, String(n)]).ok, `${flag} ${n}`).toBe(false);
      expect(readSettings({ [key]: n }).warnings, `${key} ${n}`).toHaveLength(1);
    }
  });
});

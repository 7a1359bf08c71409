import { describe, expect, it } from 'vitest';
import { HEADLESS_USAGE, parseHeadlessArgs, type HeadlessArgs } from '../../src/main/headless/headless-args';

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
    [
      'tuning flags',
      ['--timeout-ms', '200', '--retry-backoff-ms=0', '--circuit-cooldown-ms', '50', '--queue-size', '1', '--concurrency', '4'],
      { timeoutMs: 200, retryBackoffMs: 0, circuitCooldownMs: 50, queueSize: 1, concurrency: 4 },
    ],
    ['--help', ['--help'], { help: true }],
    ['-h', ['-h'], { help: true }],
    ['negative-looking value for a string flag', ['--token', '-abc'], { token: '-abc' }],
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
    ['empty value', ['--url='], /--url needs a value/],
    ['non-integer', ['--port', 'eighty'], /--port must be a non-negative integer, got "eighty"/],
    ['fraction', ['--timeout-ms', '1.5'], /--timeout-ms must be an integer of at least 1/],
    ['negative number', ['--retry-backoff-ms', '-5'], /--retry-backoff-ms must be a non-negative integer, got "-5"/],
    ['negative number, = form', ['--queue-size=-1'], /--queue-size must be an integer of at least 1/],
    // The dispatcher needs room for one event; 0 used to pass here and crash the host at start.
    ['queue size 0', ['--queue-size', '0'], /--queue-size must be between 1 and 1000000, got 0/],
    ['queue size above the settings ceiling', ['--queue-size', '1000001'], /--queue-size must be between 1 and 1000000/],
    ['hex is not decimal', ['--port', '0x50'], /--port must be/],
    ['port above 65535', ['--port', '65536'], /--port must be between 0 and 65535, got 65536/],
    ['timeout 0', ['--timeout-ms', '0'], /--timeout-ms must be between 1 and/],
    ['timer overflow', ['--circuit-cooldown-ms', '2147483648'], /--circuit-cooldown-ms must be between 0 and 2147483647/],
    ['concurrency 0', ['--concurrency', '0'], /--concurrency must be between 1 and 64/],
    ['beyond safe integers', ['--queue-size', '99999999999999999999'], /--queue-size must be an integer of at least 1/],
    ['bool flag with value', ['--demo=yes'], /--demo takes no value/],
    ['repeated flag', ['--port', '1', '--port=2'], /--port is given more than once/],
    ['token with URL-unsafe characters', ['--token', 'a#b'], /--token may contain only/],
    ['socket and no-daemon', ['--daemon-socket', '/tmp/s', '--no-daemon'], /--daemon-socket and --no-daemon/],
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
      '--port', '--token', '--data-dir', '--url', '--secret', '--daemon-socket', '--no-daemon', '--demo',
      '--timeout-ms', '--retry-backoff-ms', '--circuit-cooldown-ms', '--queue-size', '--concurrency', '--help',
    ]) {
      expect(HEADLESS_USAGE).toContain(flag);
    }
  });
});

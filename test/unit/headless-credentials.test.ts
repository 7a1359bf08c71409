// Where the headless host's token and secret come from: --token/--secret (with a warning: argv is
// readable by other local users), --token-file/--secret-file, or PILOT_WEBHOOK_TOKEN /
// PILOT_WEBHOOK_SECRET. Real files in a temp folder; no message ever contains a value.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials, SECRET_ENV, TOKEN_ENV } from '../../src/main/headless/credentials';

// Made at collection time: the refusal table below names files in it.
const dir = mkdtempSync(join(tmpdir(), 'pwd-creds-'));
const read = (path: string): string => readFileSync(path, 'utf8');
const TOKEN = 'tok-0123456789abcdef';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

beforeAll(() => {
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'secret'), `${SECRET}\r\nsecond line ignored\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'empty'), '\n');
  writeFileSync(join(dir, 'bad-token'), 'has spaces and #\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCredentials', () => {
  it('reads the first line of --token-file and --secret-file, without warnings', () => {
    const r = readCredentials({ tokenFile: join(dir, 'token'), secretFile: join(dir, 'secret') }, {}, read);
    expect(r).toStrictEqual({ ok: true, credentials: { token: TOKEN, tokenSource: '--token-file', secret: SECRET, warnings: [] } });
  });

  it('reads the environment when no flag is given, without warnings', () => {
    const r = readCredentials({}, { [TOKEN_ENV]: TOKEN, [SECRET_ENV]: SECRET }, read);
    expect(r).toStrictEqual({ ok: true, credentials: { token: TOKEN, tokenSource: TOKEN_ENV, secret: SECRET, warnings: [] } });
  });

  it('a flag wins over the environment', () => {
    const r = readCredentials({ tokenFile: join(dir, 'token') }, { [TOKEN_ENV]: 'other-token' }, read);
    expect(r).toMatchObject({ ok: true, credentials: { token: TOKEN, tokenSource: '--token-file' } });
  });

  it('takes --token and --secret from argv, with a warning naming the safe ways and no value', () => {
    const r = readCredentials({ token: TOKEN, secret: SECRET }, {}, read);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.credentials).toMatchObject({ token: TOKEN, secret: SECRET });
    expect(r.credentials.warnings).toHaveLength(2);
    expect(r.credentials.warnings[0]).toMatch(/--token on the command line can be read by other users.*\/proc\/<pid>\/cmdline.*--token-file or PILOT_WEBHOOK_TOKEN/);
    expect(r.credentials.warnings[1]).toMatch(/--secret .*--secret-file or PILOT_WEBHOOK_SECRET/);
    expect(r.credentials.warnings.join('\n')).not.toContain(TOKEN);
    expect(r.credentials.warnings.join('\n')).not.toContain(SECRET);
  });

  it('nothing given: no token (the entry generates one), no secret', () => {
    expect(readCredentials({}, { [TOKEN_ENV]: '' }, read)).toStrictEqual({ ok: true, credentials: { warnings: [] } });
  });

  it.each([
    ['a missing token file', { tokenFile: join(dir, 'absent') }, {}, /--token-file .*absent could not be read \(ENOENT\)/],
    ['an empty secret file', { secretFile: join(dir, 'empty') }, {}, /--secret-file .*empty is empty/],
    ['a folder as the token file', { tokenFile: dir }, {}, /--token-file .* could not be read \(EISDIR\)/],
    ['a token file with characters a URL cannot carry', { tokenFile: join(dir, 'bad-token') }, {}, /the token in --token-file .*bad-token may contain only/],
    ['an environment token with characters a URL cannot carry', {}, { [TOKEN_ENV]: 'a b' }, /PILOT_WEBHOOK_TOKEN may contain only/],
  ])('refuses %s, naming the flag and never the value', (_name, args, env, message) => {
    const r = readCredentials(args, env, read);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.message).not.toContain('has spaces');
    expect(r.message).not.toContain('a b');
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SOCKET_PATH,
  findDaemonWebhookUrl,
  looksLikeIngestUrl,
  readDaemonWebhookUrl,
  resolveSocketPath,
} from '../../src/main/core/daemon/socket-discovery';

/** A fake file system: path → contents. */
function files(map: Record<string, string>): (p: string) => string | null {
  return (p) => map[p] ?? null;
}

const HOME = '/home/ada';
const base = { homedir: HOME, platform: 'linux', readFile: files({}) };

describe('resolveSocketPath', () => {
  it('prefers the explicit override over everything', () => {
    const r = resolveSocketPath({
      ...base,
      env: { PILOT_SOCKET: '/env.sock', XDG_RUNTIME_DIR: '/run/user/1' },
      readFile: files({ [`${HOME}/.pilot/config.json`]: '{"socket":"/cfg.sock"}' }),
      override: '/flag.sock',
    });
    expect(r).toMatchObject({ path: '/flag.sock', rule: 'override' });
  });

  it('then PILOT_SOCKET', () => {
    const r = resolveSocketPath({
      ...base,
      env: { PILOT_SOCKET: '/env.sock', XDG_RUNTIME_DIR: '/run/user/1' },
      readFile: files({ [`${HOME}/.pilot/config.json`]: '{"socket":"/cfg.sock"}' }),
    });
    expect(r).toMatchObject({ path: '/env.sock', rule: 'env', source: 'PILOT_SOCKET' });
  });

  it('then "socket" in ~/.pilot/config.json', () => {
    const r = resolveSocketPath({
      ...base,
      env: { XDG_RUNTIME_DIR: '/run/user/1' },
      readFile: files({ [`${HOME}/.pilot/config.json`]: '{"socket":"/cfg.sock"}' }),
    });
    expect(r).toMatchObject({ path: '/cfg.sock', rule: 'config' });
    expect(r.source).toContain(`${HOME}/.pilot/config.json`);
  });

  it('reads config.json under $PILOT_HOME/.pilot when PILOT_HOME is set (and not ~)', () => {
    const readFile = files({
      [`${HOME}/.pilot/config.json`]: '{"socket":"/home.sock"}',
      '/srv/pilot/.pilot/config.json': '{"socket":"/pilot-home.sock"}',
    });
    expect(resolveSocketPath({ ...base, env: { PILOT_HOME: '/srv/pilot' }, readFile }).path).toBe('/pilot-home.sock');
    expect(resolveSocketPath({ ...base, env: { PILOT_HOME: '/elsewhere' }, readFile }).path).toBe(DEFAULT_SOCKET_PATH);
  });

  it('ignores a corrupt config.json, an empty or non-string "socket"', () => {
    for (const text of ['{not json', '{"socket":""}', '{"socket":5}', '[]']) {
      const r = resolveSocketPath({ ...base, env: {}, readFile: files({ [`${HOME}/.pilot/config.json`]: text }) });
      expect(r.path).toBe(DEFAULT_SOCKET_PATH);
    }
    const throwing = (): string => {
      throw new Error('EACCES');
    };
    expect(resolveSocketPath({ ...base, env: {}, readFile: throwing }).path).toBe(DEFAULT_SOCKET_PATH);
  });

  it('then $XDG_RUNTIME_DIR/pilot.sock on Linux only', () => {
    expect(resolveSocketPath({ ...base, env: { XDG_RUNTIME_DIR: '/run/user/1' } })).toMatchObject({
      path: '/run/user/1/pilot.sock',
      rule: 'xdg',
    });
    expect(resolveSocketPath({ ...base, platform: 'darwin', env: { XDG_RUNTIME_DIR: '/run/user/1' } }).path).toBe(
      '/tmp/pilot.sock',
    );
  });

  it('then /tmp/pilot.sock', () => {
    expect(resolveSocketPath({ ...base, env: {} })).toMatchObject({ path: '/tmp/pilot.sock', rule: 'default' });
  });

  it('says the daemon is not supported on Windows, whatever the inputs', () => {
    const r = resolveSocketPath({ ...base, platform: 'win32', env: { PILOT_SOCKET: 'x' }, override: 'y' });
    expect(r.path).toBeNull();
    expect(r.unsupported).toMatch(/does not run on Windows/);
  });
});

describe('readDaemonWebhookUrl', () => {
  const env = {};
  it('prefers "webhook" in config.json, as the daemon does at start', () => {
    const readFile = files({
      [`${HOME}/.pilot/webhook_url`]: 'https://hooks.example/a\n',
      [`${HOME}/.pilot/config.json`]: '{"webhook":"https://hooks.example/b"}',
    });
    expect(findDaemonWebhookUrl({ env, homedir: HOME, readFile })).toEqual({
      url: 'https://hooks.example/b',
      from: `${HOME}/.pilot/config.json`,
    });
  });

  it('then ~/.pilot/webhook_url (the plugin file), trimmed', () => {
    const readFile = files({ [`${HOME}/.pilot/webhook_url`]: 'https://hooks.example/a\n' });
    expect(findDaemonWebhookUrl({ env, homedir: HOME, readFile })).toEqual({
      url: 'https://hooks.example/a',
      from: `${HOME}/.pilot/webhook_url`,
    });
  });

  it('reads config.json under PILOT_HOME first, then ~', () => {
    const readFile = files({
      '/srv/.pilot/config.json': '{"webhook":"https://hooks.example/pilot-home"}',
      [`${HOME}/.pilot/config.json`]: '{"webhook":"https://hooks.example/home"}',
    });
    expect(readDaemonWebhookUrl({ env: { PILOT_HOME: '/srv' }, homedir: HOME, readFile })).toBe(
      'https://hooks.example/pilot-home',
    );
    expect(readDaemonWebhookUrl({ env: {}, homedir: HOME, readFile })).toBe('https://hooks.example/home');
  });

  it('the webhook_url file stays under the home dir even with PILOT_HOME set', () => {
    const readFile = files({ [`${HOME}/.pilot/webhook_url`]: 'http://lan.example:8080/x' });
    expect(readDaemonWebhookUrl({ env: { PILOT_HOME: '/srv' }, homedir: HOME, readFile })).toBe('http://lan.example:8080/x');
  });

  it('skips our own ingest URLs (left by a crashed run) and non-http values', () => {
    const token = 'A'.repeat(43);
    const readFile = files({
      [`${HOME}/.pilot/webhook_url`]: `http://127.0.0.1:41234/ingest/${token}`,
      [`${HOME}/.pilot/config.json`]: '{"webhook":"ftp://nope"}',
    });
    expect(readDaemonWebhookUrl({ env, homedir: HOME, readFile })).toBeNull();
    const both = files({
      [`${HOME}/.pilot/webhook_url`]: 'https://user.example/hook',
      [`${HOME}/.pilot/config.json`]: `{"webhook":"http://127.0.0.1:41234/ingest/${token}"}`,
    });
    expect(readDaemonWebhookUrl({ env, homedir: HOME, readFile: both })).toBe('https://user.example/hook');
    const custom = files({ [`${HOME}/.pilot/webhook_url`]: 'https://mine.example/x' });
    expect(readDaemonWebhookUrl({ env, homedir: HOME, readFile: custom, isOwnIngestUrl: (u) => u.includes('mine') })).toBeNull();
  });

  it('returns null when nothing is there', () => {
    expect(readDaemonWebhookUrl({ env, homedir: HOME, readFile: files({}) })).toBeNull();
  });

  it('recognises the ingest URL shape', () => {
    expect(looksLikeIngestUrl(`http://127.0.0.1:5/ingest/${'a'.repeat(43)}`)).toBe(true);
    expect(looksLikeIngestUrl(`http://example.com/ingest/${'a'.repeat(43)}`)).toBe(false);
    expect(looksLikeIngestUrl('http://127.0.0.1:5/ingest/short')).toBe(false);
  });
});

// Start at login: the XDG autostart entry on Linux (real files in a temp dir), Electron's login
// items elsewhere, and the --hidden start that both use.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTOSTART_FILE_NAME,
  autostartDir,
  desktopEntry,
  linuxAutostart,
  quoteExecArg,
} from '../../src/main/shell/autostart-linux';
import { HIDDEN_ARG, createLoginItem, loginCommand, startedHidden } from '../../src/main/shell/login-item';
import { createFakeElectron } from '../fixtures/fake-electron';

const dirs: string[] = [];
function tempHome(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-autostart-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('XDG autostart (Linux)', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart (a relative XDG_CONFIG_HOME is ignored)', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/u')).toBe('/cfg/autostart');
    expect(autostartDir({}, '/home/u')).toBe('/home/u/.config/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: 'relative' }, '/home/u')).toBe('/home/u/.config/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: '' }, '/home/u')).toBe('/home/u/.config/autostart');
  });

  it('enabling writes the entry, disabling removes it', () => {
    const home = tempHome();
    const dir = autostartDir({ XDG_CONFIG_HOME: join(home, 'cfg') }, home);
    const item = linuxAutostart(dir, { name: 'Pilot Webhook Desktop', comment: 'c', command: ['/opt/Pilot Webhook/pilot', HIDDEN_ARG] });
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    const file = join(home, 'cfg', 'autostart', AUTOSTART_FILE_NAME);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=Pilot Webhook Desktop\n');
    expect(text).toContain('Exec="/opt/Pilot Webhook/pilot" --hidden\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    item.setEnabled(true); // again: still one file, same content
    expect(readFileSync(file, 'utf8')).toBe(text);
    item.setEnabled(false);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(false); // already off: no error
  });

  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    expect(quoteExecArg('/usr/bin/pilot')).toBe('/usr/bin/pilot');
    expect(quoteExecArg('/a b/c')).toBe('"/a b/c"');
    expect(quoteExecArg('/a"b$c`d\\e')).toBe('"/a\\"b\\$c\\`d\\\\e"');
    expect(quoteExecArg('/50%/x')).toBe('/50%%/x');
    // In the file, the string escape doubles the backslashes once more.
    expect(desktopEntry({ name: 'n', comment: 'c', command: ['/a\\b'] })).toContain('Exec="/a\\\\\\\\b"\n');
    expect(desktopEntry({ name: 'two\nlines', comment: 'c', command: ['/x'] })).toContain('Name=two\\nlines\n');
  });

  it('an AppImage starts from the AppImage file, not from its temporary mount', () => {
    expect(loginCommand({ env: { APPIMAGE: '/home/u/Pilot.AppImage' }, execPath: '/tmp/.mount_x/pilot' })).toStrictEqual([
      '/home/u/Pilot.AppImage',
      HIDDEN_ARG,
    ]);
    expect(loginCommand({ env: {}, execPath: '/opt/pilot/pilot' })).toStrictEqual(['/opt/pilot/pilot', HIDDEN_ARG]);
  });

  it('createLoginItem on Linux writes the autostart file under the given home', () => {
    const home = tempHome();
    const { electron } = createFakeElectron();
    const item = createLoginItem(electron.app, { platform: 'linux', env: {}, home, execPath: '/opt/p/pilot', productName: 'Pilot' });
    item.setEnabled(true);
    expect(readFileSync(join(home, '.config', 'autostart', AUTOSTART_FILE_NAME), 'utf8')).toContain('Exec=/opt/p/pilot --hidden');
    expect(item.isEnabled()).toBe(true);
  });
});

describe('login items (macOS, Windows)', () => {
  it('go through app.setLoginItemSettings with the --hidden argument', () => {
    const fake = createFakeElectron();
    const item = createLoginItem(fake.electron.app, { platform: 'darwin', env: {}, home: '/nowhere', execPath: '/x', productName: 'P' });
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(fake.app.loginItem).toMatchObject({ openAtLogin: true, args: [HIDDEN_ARG] });
    expect(item.isEnabled()).toBe(true);
    item.setEnabled(false);
    expect(item.isEnabled()).toBe(false);
  });

  it('a start at login is hidden: --hidden anywhere, or macOS saying it opened the app at login', () => {
    const fake = createFakeElectron();
    expect(startedHidden(['/x/pilot'], fake.electron.app, 'linux')).toBe(false);
    expect(startedHidden(['/x/pilot', HIDDEN_ARG], fake.electron.app, 'win32')).toBe(true);
    fake.app.loginItem.wasOpenedAtLogin = true;
    expect(startedHidden(['/x/pilot'], fake.electron.app, 'darwin')).toBe(true);
    expect(startedHidden(['/x/pilot'], fake.electron.app, 'linux')).toBe(false);
  });
});

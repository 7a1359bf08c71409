// "Start at login" on Linux: an XDG autostart entry ($XDG_CONFIG_HOME/autostart/<name>.desktop),
// which GNOME, KDE, Xfce and the other freedesktop.org desktops run at login. Electron's
// setLoginItemSettings does nothing on Linux.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the entry; the application id keeps it apart from other apps' entries. */
export const AUTOSTART_FILE_NAME = 'net.pilotprotocol.webhook-desktop.desktop';

/** Per the XDG Base Directory spec: $XDG_CONFIG_HOME when set and absolute, else ~/.config. */
export function autostartDir(env: NodeJS.ProcessEnv, home: string): string {
  const configHome = env.XDG_CONFIG_HOME;
  const base = configHome && configHome.startsWith('/') ? configHome : join(home, '.config');
  return join(base, 'autostart');
}

/**
 * Quotes one argument of an Exec line (Desktop Entry spec, "The Exec key"): arguments holding
 * reserved characters go in double quotes, and inside them `"`, `` ` ``, `$` and `\` are escaped.
 * `%` starts a field code, so a literal one is doubled.
 */
export function quoteExecArg(arg: string): string {
  const percentSafe = arg.replace(/%/g, '%%');
  if (/^[A-Za-z0-9_./:=+,@%-]+$/.test(percentSafe)) return percentSafe;
  return `"${percentSafe.replace(/(["`$\\])/g, '\\$1')}"`;
}

/**
 * The general escape rule for string values, applied after the Exec quoting: a literal backslash
 * is doubled (so a quoted `\\` becomes four in the file) and line breaks cannot end the value.
 */
export function escapeDesktopValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

export interface AutostartEntry {
  name: string;
  comment: string;
  /** the program and its arguments, unquoted */
  command: readonly string[];
}

export function desktopEntry(entry: AutostartEntry): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${escapeDesktopValue(entry.name)}`,
    `Comment=${escapeDesktopValue(entry.comment)}`,
    `Exec=${escapeDesktopValue(entry.command.map(quoteExecArg).join(' '))}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface LinuxAutostart {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

export function linuxAutostart(dir: string, entry: AutostartEntry): LinuxAutostart {
  const file = join(dir, AUTOSTART_FILE_NAME);
  return {
    isEnabled: () => existsSync(file),
    setEnabled: (enabled) => {
      if (!enabled) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, desktopEntry(entry), { mode: 0o644 });
    },
  };
}

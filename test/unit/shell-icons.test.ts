// The committed icons (build/make-icons.mjs): one tray image per status kind at 1x and 2x, and the
// 512 px app icon electron-builder derives the platform formats from. Real PNG headers read back.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUS_KINDS, trayIconPath } from '../../src/main/shell/tray';

const buildDir = join(__dirname, '..', '..', 'build');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width, height and colour type from the IHDR chunk. */
function pngHeader(file: string): { width: number; height: number; colourType: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(PNG_SIGNATURE), `${file} is a PNG`).toBe(true);
  expect(b.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colourType: b[25]! };
}

describe('icons', () => {
  it.each(STATUS_KINDS.map((k) => [k]))('tray icon for %s: 16 px and 32 px @2x, with alpha', (kind) => {
    const file = trayIconPath(join(buildDir, 'tray'), kind);
    expect(pngHeader(file)).toStrictEqual({ width: 16, height: 16, colourType: 6 });
    expect(pngHeader(file.replace(/\.png$/, '@2x.png'))).toStrictEqual({ width: 32, height: 32, colourType: 6 });
  });

  it('tray icons differ from one another (each status is recognisable)', () => {
    const images = STATUS_KINDS.map((k) => readFileSync(trayIconPath(join(buildDir, 'tray'), k)).toString('base64'));
    expect(new Set(images).size).toBe(STATUS_KINDS.length);
  });

  it('app icon is 512×512 RGBA', () => {
    expect(pngHeader(join(buildDir, 'icon.png'))).toStrictEqual({ width: 512, height: 512, colourType: 6 });
  });
});

// Draws the app icon and the tray icons (one per status kind) and writes them as PNG files, with
// nothing but node:zlib: shapes are signed-distance functions, anti-aliased by supersampling.
// Run: node build/make-icons.mjs   (the PNGs are committed; run again after changing a shape)

import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Sub-samples per pixel side: 4×4 gives smooth edges even at 16 px. */
const SUPERSAMPLE = 4;

// ---- PNG encoding (RFC 2083): signature, IHDR, one IDAT, IEND. ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** rgba: Uint8Array of size*size*4, straight (not premultiplied) alpha. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // compression, filter, interlace: 0
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Shapes, in a unit square (0..1, y down). A shape is inside where its distance is < 0. ----

const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, width) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
function box(cx, cy, hw, hh, radius = 0) {
  return (x, y) => {
    const dx = Math.abs(x - cx) - hw + radius;
    const dy = Math.abs(y - cy) - hh + radius;
    return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - radius;
  };
}
/** A thick line from (x1,y1) to (x2,y2) with round caps. */
function segment(x1, y1, x2, y2, width) {
  return (x, y) => {
    const vx = x2 - x1;
    const vy = y2 - y1;
    const t = Math.max(0, Math.min(1, ((x - x1) * vx + (y - y1) * vy) / (vx * vx + vy * vy)));
    return Math.hypot(x - (x1 + t * vx), y - (y1 + t * vy)) - width / 2;
  };
}
/** A ring limited to the angles within `half` radians of `towards` (0 = pointing right). */
function arc(cx, cy, r, width, towards, half) {
  const band = ring(cx, cy, r, width);
  return (x, y) => {
    const a = Math.atan2(y - cy, x - cx) - towards;
    const off = Math.abs(Math.atan2(Math.sin(a), Math.cos(a)));
    if (off <= half) return band(x, y);
    // Round ends: distance to the end points of the arc.
    const ends = [towards - half, towards + half].map((e) => Math.hypot(x - (cx + r * Math.cos(e)), y - (cy + r * Math.sin(e))));
    return Math.min(...ends) - width / 2;
  };
}
function triangle(cx, cy, size, corner) {
  // Equilateral, pointing up, rounded by `corner`.
  const h = (size * Math.sqrt(3)) / 2;
  const p = [
    [cx, cy - (2 * h) / 3],
    [cx + size / 2, cy + h / 3],
    [cx - size / 2, cy + h / 3],
  ];
  return (x, y) => {
    let inside = true;
    let d = Infinity;
    for (let i = 0; i < 3; i++) {
      const [ax, ay] = p[i];
      const [bx, by] = p[(i + 1) % 3];
      const ex = bx - ax;
      const ey = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
      d = Math.min(d, Math.hypot(x - (ax + t * ex), y - (ay + t * ey)));
      if (ex * (y - ay) - ey * (x - ax) < 0) inside = false;
    }
    return (inside ? -d : d) - corner;
  };
}
const union = (...shapes) => (x, y) => Math.min(...shapes.map((s) => s(x, y)));

function hex(c, alpha = 1) {
  const n = parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

/** layers: [{ shape, color: [r,g,b,a] | (x,y) => [r,g,b,a] }], painted in order. */
function render(size, layers) {
  const out = new Uint8Array(size * size * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0; // premultiplied accumulators
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          let cr = 0, cg = 0, cb = 0, ca = 0;
          for (const layer of layers) {
            if (layer.shape(x, y) >= 0) continue;
            const [lr, lg, lb, la] = typeof layer.color === 'function' ? layer.color(x, y) : layer.color;
            cr = lr * la + cr * (1 - la);
            cg = lg * la + cg * (1 - la);
            cb = lb * la + cb * (1 - la);
            ca = la + ca * (1 - la);
          }
          r += cr; g += cg; b += cb; a += ca;
        }
      }
      const i = (py * size + px) * 4;
      out[i + 3] = Math.round((a / n) * 255);
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
    }
  }
  return out;
}

// ---- The icons. ----

const WHITE = hex('#ffffff');
// Colours of the window's status badge, so the tray and the window agree at a glance.
const GREEN = hex('#2e9d5b');
const AMBER = hex('#d98e04');
const RED = hex('#d64541');
const GREY = hex('#7a828e');

/**
 * The tray icon is the brand mark (a node sending out waves, as the app icon) with a badge in the
 * lower right corner: one recognisable shape per status (not colour alone: tray icons are small
 * and some users do not tell red from green). The badge sits on a cut-out ring so it reads on any
 * panel colour.
 */
const BADGE = { cx: 0.74, cy: 0.74, r: 0.26 };
const badgeShapes = {
  delivering: [{ shape: circle(BADGE.cx, BADGE.cy, BADGE.r), color: GREEN }],
  failing: [
    { shape: triangle(BADGE.cx, BADGE.cy + 0.02, 0.5, 0.02), color: AMBER },
    { shape: segment(BADGE.cx, BADGE.cy - 0.06, BADGE.cx, BADGE.cy + 0.05, 0.07), color: WHITE },
    { shape: circle(BADGE.cx, BADGE.cy + 0.12, 0.04), color: WHITE },
  ],
  circuit_open: [
    { shape: circle(BADGE.cx, BADGE.cy, BADGE.r), color: RED },
    { shape: box(BADGE.cx, BADGE.cy, 0.15, 0.045, 0.02), color: WHITE },
  ],
  paused: [
    { shape: circle(BADGE.cx, BADGE.cy, BADGE.r), color: GREY },
    { shape: union(box(BADGE.cx - 0.07, BADGE.cy, 0.035, 0.12, 0.01), box(BADGE.cx + 0.07, BADGE.cy, 0.035, 0.12, 0.01)), color: WHITE },
  ],
  no_url: [{ shape: ring(BADGE.cx, BADGE.cy, BADGE.r - 0.05, 0.09), color: GREY }],
  daemon_disconnected: [
    { shape: ring(BADGE.cx, BADGE.cy, BADGE.r - 0.05, 0.09), color: GREY },
    { shape: segment(BADGE.cx - 0.16, BADGE.cy - 0.16, BADGE.cx + 0.16, BADGE.cy + 0.16, 0.08), color: GREY },
  ],
};

/** The brand mark drawn small: the rounded square, the node and two waves, minus the badge's corner. */
function brandMark(colorOf) {
  const node = [0.28, 0.42];
  const outsideBadge = (shape) => (x, y) => Math.max(shape(x, y), -(Math.hypot(x - BADGE.cx, y - BADGE.cy) - (BADGE.r + 0.07)));
  return [
    { shape: outsideBadge(box(0.45, 0.45, 0.42, 0.42, 0.1)), color: colorOf('plate') },
    { shape: outsideBadge(circle(node[0], node[1], 0.09)), color: colorOf('mark') },
    { shape: outsideBadge(arc(node[0], node[1], 0.2, 0.07, 0, 0.8)), color: colorOf('mark') },
    { shape: outsideBadge(arc(node[0], node[1], 0.34, 0.07, 0, 0.7)), color: colorOf('mark') },
  ];
}

const PLATE = hex('#1d6f8f');
const TRAY = Object.fromEntries(
  Object.entries(badgeShapes).map(([kind, badge]) => [kind, [...brandMark((part) => (part === 'plate' ? PLATE : WHITE)), ...badge]]),
);

/**
 * macOS template images (`…Template.png`): black and alpha only, the menu bar tints them. The
 * plate is an outline there, the badge a solid shape, so the states stay apart without colour.
 */
const BLACK = hex('#000000');
function badgeTemplate(layers) {
  const solid = layers.filter((l) => l.color !== WHITE).map((l) => l.shape);
  const holes = layers.filter((l) => l.color === WHITE).map((l) => l.shape);
  return (x, y) => Math.max(Math.min(...solid.map((f) => f(x, y))), ...holes.map((f) => -f(x, y)));
}
function templateOf(kind) {
  const plateRing = (x, y) => {
    const outer = box(0.45, 0.45, 0.42, 0.42, 0.1)(x, y);
    return Math.max(outer, -(outer + 0.09));
  };
  const cut = (shape) => (x, y) => Math.max(shape(x, y), -(Math.hypot(x - BADGE.cx, y - BADGE.cy) - (BADGE.r + 0.07)));
  const node = [0.28, 0.42];
  return [
    { shape: cut(plateRing), color: BLACK },
    { shape: cut(circle(node[0], node[1], 0.09)), color: BLACK },
    { shape: cut(arc(node[0], node[1], 0.2, 0.07, 0, 0.8)), color: BLACK },
    // The badge's white details become holes: a template has no white.
    { shape: badgeTemplate(badgeShapes[kind]), color: BLACK },
  ];
}

/** Tray sizes: 16 px, and 32 px as @2x for HiDPI screens (Electron picks it by name). */
const TRAY_SIZES = [
  [16, ''],
  [32, '@2x'],
];

/** The app icon, 512 px (electron-builder derives the .ico, .icns and Linux sizes from it). */
const APP_ICON_SIZE = 512;

function appIcon() {
  const top = hex('#1d6f8f');
  const bottom = hex('#0e3047');
  const gradient = (x, y) => {
    const t = Math.min(1, Math.max(0, (x + y) / 2));
    return top.map((v, i) => (i === 3 ? 1 : v + (bottom[i] - v) * t));
  };
  const node = [0.3, 0.5];
  return [
    { shape: box(0.5, 0.5, 0.44, 0.44, 0.1), color: gradient },
    // A node sending events out: a dot and three widening waves.
    { shape: circle(node[0], node[1], 0.075), color: WHITE },
    { shape: arc(node[0], node[1], 0.17, 0.05, 0, 0.75), color: hex('#ffffff', 0.95) },
    { shape: arc(node[0], node[1], 0.29, 0.05, 0, 0.7), color: hex('#ffffff', 0.8) },
    { shape: arc(node[0], node[1], 0.41, 0.05, 0, 0.65), color: hex('#ffffff', 0.65) },
  ];
}

function write(file, size, layers) {
  writeFileSync(file, encodePng(size, render(size, layers)));
  console.log(`wrote ${file.slice(here.length + 1)} (${size}×${size})`);
}

mkdirSync(join(here, 'tray'), { recursive: true });
for (const [kind, layers] of Object.entries(TRAY)) {
  for (const [size, suffix] of TRAY_SIZES) {
    write(join(here, 'tray', `tray-${kind}${suffix}.png`), size, layers);
    write(join(here, 'tray', `tray-${kind}Template${suffix}.png`), size, templateOf(kind));
  }
}
write(join(here, 'icon.png'), APP_ICON_SIZE, appIcon());

// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, top N, as % of samples.
//   node bench/profile-summary.mjs <file.cpuprofile> [N]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [N]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (const id of profile.samples) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anonymous)'} ${cf.url ? basename(cf.url) : ''}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  total++;
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [key, count] of rows) process.stdout.write(`${((count / total) * 100).toFixed(1).padStart(5)}%  ${key}\n`);

// Inclusive time of the functions named in PROFILE_INCLUSIVE (comma-separated), when set.
const wanted = (process.env.PROFILE_INCLUSIVE ?? '').split(',').filter(Boolean);
if (wanted.length > 0) {
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map(wanted.map((w) => [w, 0]));
  for (const id of profile.samples) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur).callFrame.functionName;
      if (incl.has(name) && !seen.has(name)) {
        seen.add(name);
        incl.set(name, incl.get(name) + 1);
      }
    }
  }
  process.stdout.write('inclusive:\n');
  for (const [name, count] of incl) process.stdout.write(`${((count / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
}

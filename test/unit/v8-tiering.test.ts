// V8 ignores a flag it does not know without a word, so an engine that renamed one of the hosts'
// tiering flags would silently run with its defaults again: every flag must be one this Node's V8
// lists, with a value of its type.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TIERING_FLAGS } from '../../src/main/core/v8-tiering';

describe('TIERING_FLAGS', () => {
  const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  const flags = TIERING_FLAGS.split(' ');

  it.each(flags)('%s is an integer flag of this V8', (flag) => {
    const m = /^--([a-z0-9-]+)=(\d+)$/.exec(flag);
    expect(m, `${flag} has the form --name=N`).not.toBeNull();
    const listed = new RegExp(`--${m![1]} \\(.*\\)\\n\\s+type: int `).test(options);
    expect(listed, `${m![1]} is listed by node --v8-options as an int flag`).toBe(true);
  });

  it('lowers each threshold below the V8 default it replaces', () => {
    for (const flag of flags) {
      const [name, value] = flag.slice(2).split('=');
      const dflt = new RegExp(`default: --${name}=(\\d+)`).exec(options);
      expect(dflt, `${name} has a default`).not.toBeNull();
      expect(Number(value)).toBeLessThan(Number(dflt![1]));
    }
  });
});

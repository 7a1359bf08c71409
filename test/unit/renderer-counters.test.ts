// @vitest-environment happy-dom
// The counters row (src/renderer/counters.ts) over the window's own markup (index.html): "Received"
// is the events, once each; "Deliveries" (the destinations' sum) stands beside it only with several
// destinations, and alone where the process receives nothing itself (a fleet deliver process).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Counters } from '../../src/renderer/counters';
import type { AppState } from '../../src/shared/bridge';
import { emptyStats } from '../../src/shared/delivery';
import { sampleState } from '../fixtures/sample-state';

const html = readFileSync(join(__dirname, '../../src/renderer/index.html'), 'utf8');

beforeEach(() => {
  document.body.innerHTML = /<body>([\s\S]*)<\/body>/.exec(html)![1]!;
});

const value = (labelId: string): string | null => {
  const dd = document.querySelector<HTMLElement>(`dd[aria-labelledby="${labelId}"]`)!;
  return dd.closest<HTMLElement>('.counter')!.hidden ? null : dd.textContent;
};

function state(patch: Partial<AppState>, destinations: number): AppState {
  const s = sampleState(patch);
  return { ...s, destinations: Array.from({ length: destinations }, (_, i) => ({ ...(s.destinations[0] ?? ({} as AppState['destinations'][number])), id: `d${i}`, primary: i === 0 })) };
}

describe('Counters', () => {
  it('one event to three destinations: Received 1, Deliveries 3, and the line says what each counts', () => {
    new Counters(document).update(state({ eventsReceived: 1, stats: { ...emptyStats(), received: 3, delivered: 3 } }, 3), 0);
    expect(value('c-received')).toBe('1');
    expect(value('c-deliveries')).toBe('3');
    expect(value('c-delivered')).toBe('3');
    expect(document.getElementById('counters-scope')!.textContent).toContain('Received counts each event once, the rest once per destination (3)');
  });

  it('one destination: Received only, the events (a resend is under "Sent again", not received)', () => {
    new Counters(document).update(state({ eventsReceived: 4, stats: { ...emptyStats(), received: 5, delivered: 5, resent: 1 } }, 1), 0);
    expect(value('c-received')).toBe('4');
    expect(value('c-deliveries')).toBeNull();
    expect(value('c-resent')).toBe('1');
  });

  it('a process that receives nothing itself (fleet deliver): Deliveries only, said so', () => {
    const s = state({ stats: { ...emptyStats(), received: 6, delivered: 6 } }, 2);
    delete s.eventsReceived;
    new Counters(document).update(s, 0);
    expect(value('c-received')).toBeNull();
    expect(value('c-deliveries')).toBe('6');
    expect(document.getElementById('counters-scope')!.textContent).toContain('deliveries this process made, one per event and destination (2)');
  });
});

// @vitest-environment happy-dom
// VirtualList (src/renderer/virtual-list.ts) in a DOM: thousands of records cost a screenful of
// row elements, the rows shown are the ones at the scroll position in visual order, new records
// at the top appear while the list follows the newest and do not move the row being read when it
// does not, one row is in the tab order and the keys move between rows. happy-dom does no
// layout, so the test gives the list its viewport height, as the browser would.

import { afterEach, describe, expect, it } from 'vitest';
import { VirtualList } from '../../src/renderer/virtual-list';

interface Item {
  id: number;
  text: string;
}

const ROW_PX = 32;
const VIEWPORT_PX = 320; // ten rows

/** newest first, like the log: ids from `newest` down to `newest - count + 1` */
function items(count: number, newest = count): Item[] {
  return Array.from({ length: count }, (_, i) => ({ id: newest - i, text: `event ${newest - i}` }));
}

function setup(list: Item[]) {
  const root = document.createElement('div');
  root.setAttribute('role', 'list');
  root.style.setProperty('--row-h', `${ROW_PX}px`);
  Object.defineProperty(root, 'clientHeight', { configurable: true, get: () => VIEWPORT_PX });
  const canvas = document.createElement('div');
  root.append(canvas);
  document.body.append(root);
  const opened: Item[] = [];
  const filled: Item[] = [];
  const v = new VirtualList<Item>({
    root,
    canvas,
    key: (item) => item.id,
    fillRow: (row, item) => {
      filled.push(item);
      row.textContent = item.text;
    },
    onOpen: (item) => opened.push(item),
  });
  v.setItems(list);
  const rows = (): HTMLElement[] => [...canvas.children] as HTMLElement[];
  const positions = (): number[] => rows().map((r) => Number(r.getAttribute('aria-posinset')));
  const keys = (): number[] => rows().map((r) => Number(r.dataset.key));
  const scrollTo = (px: number): void => {
    root.scrollTop = px;
    root.dispatchEvent(new Event('scroll'));
  };
  const rowOf = (id: number): HTMLElement | undefined => rows().find((r) => r.dataset.key === String(id));
  return { root, canvas, v, opened, filled, rows, positions, keys, scrollTo, rowOf };
}

/** consecutive, ascending: the DOM order is the visual order (what a screen reader reads) */
function expectContiguous(positions: number[]): void {
  for (let i = 1; i < positions.length; i++) expect(positions[i]).toBe(positions[i - 1]! + 1);
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('VirtualList', () => {
  it('puts a screenful of rows in the DOM for 5,000 records, not 5,000', () => {
    const t = setup(items(5000));
    const pos = t.positions();
    expect(t.rows()).toHaveLength(t.v.renderedRows);
    expect(pos.length).toBeGreaterThanOrEqual(VIEWPORT_PX / ROW_PX);
    expect(pos.length).toBeLessThan(50);
    expect(pos[0]).toBe(1);
    expectContiguous(pos);
    expect(t.rows()[0]!.textContent).toBe('event 5000');
    for (const r of t.rows()) expect(r.getAttribute('aria-setsize')).toBe('5000');
    expect(t.canvas.style.getPropertyValue('height')).toContain('5000');
  });

  it('shows the rows at the scroll position, in visual order, and still only a screenful', () => {
    const t = setup(items(5000));
    t.scrollTo(2500 * ROW_PX);
    const pos = t.positions();
    for (let p = 2501; p <= 2510; p++) expect(pos).toContain(p); // the ten rows in view
    expect(pos).not.toContain(1);
    expect(pos.length).toBeLessThan(50);
    expectContiguous(pos);
    expect(t.rowOf(5000 - 2500)?.textContent).toBe('event 2500');
  });

  it('following the newest at the top, new records appear in view', () => {
    const t = setup(items(100));
    t.v.setItems(items(103));
    expect(t.root.scrollTop).toBe(0);
    expect(t.keys().slice(0, 4)).toEqual([103, 102, 101, 100]);
    expect(t.positions()[0]).toBe(1);
  });

  it('scrolled down, new records at the top do not move the row being read', () => {
    const t = setup(items(1000));
    t.scrollTo(100 * ROW_PX);
    const reading = t.keys()[t.positions().indexOf(101)]; // the row at the top of the view
    expect(reading).toBe(900);
    t.v.setItems(items(1005)); // five newer records above it
    expect(t.root.scrollTop).toBe(105 * ROW_PX);
    expect(t.rowOf(900)?.getAttribute('aria-posinset')).toBe('106');
    expect(Math.floor(t.root.scrollTop / ROW_PX)).toBe(105); // still the first row in view
  });

  it('fills a row again only for a different record or a new version of it', () => {
    const list = items(200);
    const t = setup(list);
    t.filled.length = 0;
    t.v.setItems([...list]); // same records, new array
    expect(t.filled).toEqual([]);
    const changed = { id: 199, text: 'event 199 (delivered)' };
    t.v.setItems(list.map((it) => (it.id === 199 ? changed : it)));
    expect(t.filled).toEqual([changed]);
    expect(t.rowOf(199)?.textContent).toBe('event 199 (delivered)');
  });

  it('a different list altogether starts from the top', () => {
    const t = setup(items(1000));
    t.scrollTo(500 * ROW_PX);
    t.v.reset(items(50, 9999));
    expect(t.root.scrollTop).toBe(0);
    expect(t.positions()[0]).toBe(1);
    expect(t.keys()[0]).toBe(9999);
    expect(t.rows().every((r) => Number(r.getAttribute('aria-setsize')) === 50)).toBe(true);
  });

  it('has one row in the tab order; arrows, End and Enter work from the keyboard', () => {
    const t = setup(items(5000));
    const tabbable = () => t.rows().filter((r) => r.tabIndex === 0);
    expect(tabbable()).toHaveLength(1);
    expect(tabbable()[0]!.dataset.key).toBe('5000');

    t.v.focus();
    expect(document.activeElement).toBe(t.rowOf(5000));
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect((document.activeElement as HTMLElement).dataset.key).toBe('4999');
    expect(tabbable().map((r) => r.dataset.key)).toEqual(['4999']);

    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    expect((document.activeElement as HTMLElement).dataset.key).toBe('1');
    expect(t.root.scrollTop).toBe(5000 * ROW_PX - VIEWPORT_PX); // the last row at the bottom of the view
    expect(t.positions()).toContain(5000);

    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(t.opened.map((i) => i.id)).toEqual([1]);
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    expect((document.activeElement as HTMLElement).dataset.key).toBe('5000');
    expect(t.root.scrollTop).toBe(0);
  });

  it('a click opens the record of its row', () => {
    const t = setup(items(20));
    t.rowOf(17)!.click();
    expect(t.opened.map((i) => i.id)).toEqual([17]);
  });

  it('keeps the focused row in the DOM when it scrolls out of view, so focus does not fall to the page', () => {
    const t = setup(items(5000));
    t.v.focus();
    const focused = document.activeElement as HTMLElement;
    t.scrollTo(3000 * ROW_PX);
    expect(focused.isConnected).toBe(true);
    expect(document.activeElement).toBe(focused);
    expect(t.positions()).toContain(3001);
    expect(t.rows().length).toBeLessThan(50);
  });

  it('marks exactly the selected row as current', () => {
    const t = setup(items(30));
    t.v.select(28);
    expect(t.rows().filter((r) => r.getAttribute('aria-current') === 'true').map((r) => r.dataset.key)).toEqual(['28']);
    t.v.select(null);
    expect(t.rows().some((r) => r.hasAttribute('aria-current'))).toBe(false);
  });
});

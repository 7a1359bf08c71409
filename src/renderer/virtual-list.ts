// A virtualised list: fixed-height rows, only the visible ones (plus a few either side) in the DOM,
// so thousands of log records cost no more than a screenful. Rows are keyed by the item's key and
// reused as they scroll out; one row is in the tab order at a time (arrow keys move between rows).
//
// Rows are placed with a CSS custom property (`--i`, the row index) rather than inline styles: the
// page's CSP allows no style attributes, and the stylesheet owns the geometry (`--row-h`).
//
// Cost per update, which matters at thousands of records a second (bench/README.md, window load):
// - geometry is read once, before anything is written, so no update forces a synchronous style
//   recalculation and layout in the middle of the frame;
// - the canvas gets its height as a plain (not inherited) property: changing an inherited custom
//   property on it would restyle every row and cell below it on every update;
// - a row element whose record scrolled away is given to a new record at the same position
//   whenever there is one, so rows keep their place (`--i`) and their place in the DOM, and only
//   their text changes.

/** Rows rendered beyond each edge of the viewport, so a fast scroll does not show blank rows. */
const OVERSCAN_ROWS = 8;

/** Row height when the stylesheet does not say (it sets `--row-h` on the list). */
const FALLBACK_ROW_HEIGHT_PX = 32;

export interface VirtualListOptions<T> {
  /** the scrolling element, with role=list */
  root: HTMLElement;
  /** the element inside `root` that holds the rows, sized to the whole list */
  canvas: HTMLElement;
  key(item: T): number;
  /** fills a row for an item; called only when the row shows a different item (or a new version) */
  fillRow(row: HTMLElement, item: T): void;
  /** Enter, Space or a click on a row */
  onOpen(item: T): void;
}

interface Row<T> {
  el: HTMLElement;
  item: T;
  index: number;
  /** aria-setsize last written, so it is only written when the count changed */
  setSize: number;
}

export class VirtualList<T> {
  private items: readonly T[] = [];
  private readonly rows = new Map<number, Row<T>>();
  private readonly spare: HTMLElement[] = [];
  /** from the stylesheet's `--row-h`, read again when the list is resized (narrow = two lines) */
  private rowHeight: number;
  private activeKey: number | null = null;
  private selectedKey: number | null = null;
  /** when true and the list is scrolled to the top, new items appear in view (newest first) */
  followNewest = true;

  constructor(private readonly opts: VirtualListOptions<T>) {
    this.rowHeight = this.readRowHeight();
    opts.root.addEventListener('scroll', () => this.render(), { passive: true });
    opts.root.addEventListener('keydown', (e) => this.onKey(e));
    opts.canvas.addEventListener('click', (e) => {
      const row = this.rowOf(e.target);
      if (row) {
        this.activeKey = this.opts.key(row.item);
        this.opts.onOpen(row.item);
      }
    });
    opts.canvas.addEventListener('focusin', (e) => {
      const row = this.rowOf(e.target);
      if (!row) return;
      this.activeKey = this.opts.key(row.item);
      // A row focused by Tab may be out of view (scrolled off, or the list shrank beside a panel).
      const { root } = this.opts;
      const h = this.rowHeight;
      if (row.index * h < root.scrollTop || (row.index + 1) * h > root.scrollTop + root.clientHeight) {
        const kept = this.revealKey;
        this.reveal(this.activeKey);
        this.revealKey = kept;
      }
    });
    new ResizeObserver(() => {
      const h = this.readRowHeight();
      if (h !== this.rowHeight) {
        // Keep the same first row in view across the change of row height.
        const first = Math.floor(opts.root.scrollTop / this.rowHeight);
        this.rowHeight = h;
        opts.root.scrollTop = first * h;
      }
      this.render();
      if (this.revealKey !== null) this.reveal(this.revealKey);
    }).observe(opts.root);
  }

  private readRowHeight(): number {
    const css = parseFloat(getComputedStyle(this.opts.root).getPropertyValue('--row-h'));
    return Number.isFinite(css) && css > 0 ? css : FALLBACK_ROW_HEIGHT_PX;
  }

  /** the row to keep in view while the list is resized (the one whose details are open) */
  private revealKey: number | null = null;

  /**
   * Scrolls the row of `key` into view (no focus change) and keeps it there while the list is
   * resized, e.g. when a panel opens beside or below it.
   */
  reveal(key: number | null): void {
    this.revealKey = key;
    if (key === null) return;
    const index = indexOfKey(this.items, key, this.opts.key, 0);
    if (index < 0) return;
    const { root } = this.opts;
    const h = this.rowHeight;
    if (index * h < root.scrollTop) root.scrollTop = index * h;
    else if ((index + 1) * h > root.scrollTop + root.clientHeight) root.scrollTop = (index + 1) * h - root.clientHeight;
    this.render();
  }

  /** How many row elements are in the DOM (for tests and the benchmark). */
  get renderedRows(): number {
    return this.rows.size;
  }

  /**
   * Shows a new list of items. Unless it is following the newest at the top, the list keeps the
   * row the user is looking at in place while rows are added above it.
   */
  setItems(items: readonly T[]): void {
    const { root, key } = this.opts;
    const h = this.rowHeight;
    // Read before any write of this update (see the top of the file).
    const top = root.scrollTop;
    const viewport = root.clientHeight;
    let nextTop: number | null = null;
    const atTop = top < h / 2;
    if (!(this.followNewest && atTop)) {
      const anchorIndex = Math.floor(top / h);
      const anchor = this.items[anchorIndex];
      if (anchor !== undefined) {
        const anchorKey = key(anchor);
        const newIndex = indexOfKey(items, anchorKey, key, anchorIndex + items.length - this.items.length);
        if (newIndex >= 0) nextTop = newIndex * h + (top - anchorIndex * h);
      }
    }
    this.items = items;
    this.setCount(items.length);
    if (nextTop !== null && nextTop !== top) root.scrollTop = nextTop;
    this.renderAt(nextTop ?? top, viewport);
  }

  /** Shows a different list altogether (a new filter): from the top, nothing to keep in place. */
  reset(items: readonly T[]): void {
    const viewport = this.opts.root.clientHeight;
    this.items = items;
    this.setCount(items.length);
    this.opts.root.scrollTop = 0;
    this.renderAt(0, viewport);
  }

  /** Fills the shown rows again: something they show besides their item changed (a name). */
  refill(): void {
    for (const row of this.rows.values()) this.opts.fillRow(row.el, row.item);
  }

  /** The canvas's height for `count` rows: `height`, which rows do not inherit (see the top). */
  private setCount(count: number): void {
    this.opts.canvas.style.setProperty('height', `calc(${count} * var(--row-h))`);
  }

  /** Marks the row whose details are open (or none). */
  select(key: number | null): void {
    this.selectedKey = key;
    for (const [k, row] of this.rows) markSelected(row.el, k === key);
  }

  /** Moves keyboard focus back into the list: to the active row, or the first visible one. */
  focus(): void {
    const index = this.activeKey === null ? -1 : indexOfKey(this.items, this.activeKey, this.opts.key, 0);
    this.moveTo(index >= 0 ? index : Math.floor(this.opts.root.scrollTop / this.rowHeight));
  }

  render(): void {
    this.renderAt(this.opts.root.scrollTop, this.opts.root.clientHeight);
  }

  /** Renders the rows for a viewport at `top`, `viewport` px high, reading no geometry. */
  private renderAt(top: number, viewport: number): void {
    const { canvas, key } = this.opts;
    const h = this.rowHeight;
    const first = Math.max(0, Math.floor(top / h) - OVERSCAN_ROWS);
    const last = Math.min(this.items.length, Math.ceil((top + viewport) / h) + OVERSCAN_ROWS);

    const wanted = new Map<number, number>();
    for (let i = first; i < last; i++) wanted.set(key(this.items[i]!), i);

    // A focused row stays in the DOM even when scrolled out, or focus would fall to <body>.
    const focused = document.activeElement;
    /** rows whose record left the view, by the position they held: still in the DOM */
    const freed = new Map<number, Row<T>>();
    for (const [k, row] of this.rows) {
      if (wanted.has(k)) continue;
      if (row.el === focused) {
        const index = indexOfKey(this.items, k, key, row.index);
        if (index >= 0) {
          wanted.set(k, index);
          continue;
        }
      }
      this.rows.delete(k);
      freed.set(row.index, row);
    }
    // A new record takes the freed row at its own position when there is one (see the top).
    for (const [k, index] of wanted) {
      if (this.rows.has(k)) continue;
      const row = freed.get(index);
      if (row === undefined) continue;
      freed.delete(index);
      row.item = this.items[index]!;
      this.opts.fillRow(row.el, row.item);
      this.rows.set(k, row);
    }
    for (const row of freed.values()) {
      row.el.remove();
      this.spare.push(row.el);
    }

    const visibleFirstKey = this.items[Math.min(Math.floor(top / h), this.items.length - 1)];
    const tabKey =
      this.activeKey !== null && wanted.has(this.activeKey)
        ? this.activeKey
        : visibleFirstKey === undefined
          ? null
          : key(visibleFirstKey);

    // Kept rows are already in order (items are ordered and keys stable); new ones slot in between,
    // so the DOM order matches the visual order for screen readers without moving the focused row.
    const ordered = [...wanted].sort((a, b) => a[1] - b[1]);
    let cursor: ChildNode | null = canvas.firstChild;
    for (const [k, index] of ordered) {
      const item = this.items[index]!;
      let row = this.rows.get(k);
      if (row === undefined) {
        row = { el: this.spare.pop() ?? this.createRow(), item, index: -1, setSize: -1 };
        this.opts.fillRow(row.el, item);
        this.rows.set(k, row);
      } else if (row.item !== item) {
        row.item = item;
        this.opts.fillRow(row.el, item);
      }
      if (row.index !== index) {
        row.index = index;
        row.el.style.setProperty('--i', String(index));
        row.el.setAttribute('aria-posinset', String(index + 1));
      }
      if (row.setSize !== this.items.length) {
        row.setSize = this.items.length;
        row.el.setAttribute('aria-setsize', String(row.setSize));
      }
      const keyText = String(k);
      if (row.el.dataset.key !== keyText) row.el.dataset.key = keyText;
      const tabIndex = k === tabKey ? 0 : -1;
      if (row.el.tabIndex !== tabIndex) row.el.tabIndex = tabIndex;
      markSelected(row.el, k === this.selectedKey);

      if (row.el === cursor) cursor = cursor.nextSibling;
      else canvas.insertBefore(row.el, cursor);
    }
  }

  private createRow(): HTMLElement {
    const el = document.createElement('div');
    el.className = 'log-row';
    el.setAttribute('role', 'listitem');
    return el;
  }

  private rowOf(target: EventTarget | null): Row<T> | undefined {
    if (!(target instanceof Element)) return undefined;
    const el = target.closest<HTMLElement>('.log-row');
    const k = el?.dataset.key;
    return k === undefined ? undefined : this.rows.get(Number(k));
  }

  private onKey(e: KeyboardEvent): void {
    const row = this.rowOf(e.target);
    if (row === undefined) return;
    const page = Math.max(1, Math.floor(this.opts.root.clientHeight / this.rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: row.index + 1,
      ArrowUp: row.index - 1,
      PageDown: row.index + page,
      PageUp: row.index - page,
      Home: 0,
      End: this.items.length - 1,
    };
    const target = moves[e.key];
    if (target !== undefined) {
      e.preventDefault();
      this.moveTo(Math.max(0, Math.min(this.items.length - 1, target)));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.opts.onOpen(row.item);
    }
  }

  private moveTo(index: number): void {
    const item = this.items[index];
    if (item === undefined) return;
    const { root } = this.opts;
    const h = this.rowHeight;
    if (index * h < root.scrollTop) root.scrollTop = index * h;
    else if ((index + 1) * h > root.scrollTop + root.clientHeight) root.scrollTop = (index + 1) * h - root.clientHeight;
    this.activeKey = this.opts.key(item);
    this.render();
    this.rows.get(this.activeKey)?.el.focus({ preventScroll: true });
  }
}

function markSelected(el: HTMLElement, selected: boolean): void {
  // Written only on a change: rendering runs every frame under load.
  if (el.hasAttribute('aria-current') === selected) return;
  if (selected) el.setAttribute('aria-current', 'true');
  else el.removeAttribute('aria-current');
}

/** Index of the item with `key`, looking at `hint` first (where it most likely is now). */
function indexOfKey<T>(items: readonly T[], k: number, key: (item: T) => number, hint: number): number {
  const guess = items[hint];
  if (guess !== undefined && key(guess) === k) return hint;
  return items.findIndex((item) => key(item) === k);
}

// Window load (issue 5): the headless page in Debian's Chromium while the ingest takes a steady
// stream of daemon events. Measured in the page: the longest task while the events flow
// (PerformanceObserver 'longtask', i.e. tasks over 50 ms; the page's opening apart), the most log rows ([role=listitem]) ever in the DOM;
// through CDP: the JS heap (most seen, and after a forced GC at the end).
/* global window, document -- used only inside page.evaluate(), which runs in Chromium */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/fixtures/chromium.mjs';

export const CHROMIUM = CHROMIUM_PATH;
/** How often the heap is read while the events flow. */
const HEAP_SAMPLE_MS = 250;
/** Time the page gets after the last event to render the final counts. */
const SETTLE_MS = 1500;
const MB = 1024 * 1024;

export async function measureWindow({ host, inject, rate, seconds }) {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} not found` };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // The window's default size: the log, the counters and the last-hour chart (open at this
    // height) all render while the events flow.
    const page = await browser.newPage({ viewport: { width: 980, height: 720 } });
    await page.goto(host.pageUrl);
    await page.getByRole('list', { name: 'Delivery log' }).waitFor({ state: 'attached' });
    await page.evaluate(() => {
      // Tasks before the load starts (opening the page: parsing, the first render, the first log
      // page) are counted apart from the tasks while the events flow.
      const m = { longestTaskMs: 0, longTasks: 0, maxRows: 0, loadStartedAt: Infinity, openingLongestTaskMs: 0 };
      window.__bench = m;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.startTime < m.loadStartedAt) {
            m.openingLongestTaskMs = Math.max(m.openingLongestTaskMs, e.duration);
            continue;
          }
          m.longTasks++;
          m.longestTaskMs = Math.max(m.longestTaskMs, e.duration);
        }
      }).observe({ type: 'longtask', buffered: true });
      setInterval(() => {
        m.maxRows = Math.max(m.maxRows, document.querySelectorAll('[role=listitem]').length);
      }, 50);
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapMB = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? NaN) / MB;
    };
    // The main thread's work over the load, from Chromium's own counters: a sum, so it does not
    // hinge on one task the way the longest task does (on a shared machine one descheduling of
    // the renderer makes a long task by itself).
    const WORK_METRICS = ['TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration', 'RecalcStyleCount', 'LayoutCount'];
    const work = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(WORK_METRICS.map((k) => [k, metrics.find((x) => x.name === k)?.value ?? NaN]));
    };
    const heapBeforeMB = await heapMB();
    let maxHeapMB = heapBeforeMB;
    const sampler = setInterval(() => {
      heapMB().then(
        (v) => (maxHeapMB = Math.max(maxHeapMB, v)),
        () => {},
      );
    }, HEAP_SAMPLE_MS);
    let load;
    let workBefore;
    let workAfter;
    try {
      await page.evaluate(() => (window.__bench.loadStartedAt = performance.now()));
      workBefore = await work();
      load = await inject({ rate, seconds });
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      workAfter = await work();
    } finally {
      clearInterval(sampler);
    }
    const perSecond = (k, scale) => ((workAfter[k] - workBefore[k]) * scale) / seconds;
    const inPage = await page.evaluate(() => window.__bench);
    // The chart really drew (a canvas with its points), so its cost is in the figures above.
    const chartDrawn = await page.evaluate(() => document.querySelector('#chart canvas') !== null);
    const visibleRows = await page.evaluate(() => {
      const box = document.getElementById('log').getBoundingClientRect();
      return [...document.querySelectorAll('.log-row')].filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
      }).length;
    });
    await cdp.send('HeapProfiler.collectGarbage');
    const heapAfterGcMB = await heapMB();
    // The counter is shown formatted ("6,000"): keep the digits only.
    const shownReceived = Number((await page.getByLabel('Received', { exact: true }).textContent())?.replace(/\D/g, ''));
    const state = await host.state();
    return {
      rate,
      seconds,
      injected: load.accepted,
      longestTaskMs: inPage.longestTaskMs,
      longTasks: inPage.longTasks,
      openingLongestTaskMs: inPage.openingLongestTaskMs,
      // per second of load: ms of main-thread tasks (all, script, style, layout), and how many
      // style recalculations and layouts ran
      mainThreadMsPerS: perSecond('TaskDuration', 1000),
      scriptMsPerS: perSecond('ScriptDuration', 1000),
      styleMsPerS: perSecond('RecalcStyleDuration', 1000),
      layoutMsPerS: perSecond('LayoutDuration', 1000),
      styleRecalcsPerS: perSecond('RecalcStyleCount', 1),
      layoutsPerS: perSecond('LayoutCount', 1),
      maxRows: inPage.maxRows,
      chartDrawn,
      visibleRows,
      heapMB: maxHeapMB,
      heapBeforeMB,
      heapAfterGcMB,
      shownReceived,
      hostReceived: state.stats.received,
    };
  } finally {
    await browser.close();
  }
}

// Run by itself — `node bench/lib/window.mjs [--rate 2000] [--seconds 10]` after `npm run build` —
// it measures only the window load (the full `npm run bench` runs it among the rest): the host
// delivering to the bench receiver while the ingest takes `rate` events a second.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { bundleForBench, HEADLESS, OUT, RECEIVER, workerSource } = await import('./bundle.mjs');
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const { runWorker, startHost, startReceiver } = await import('./processes.mjs');
  await bundleForBench([workerSource('ingest-load')]);
  const receiver = await startReceiver(RECEIVER);
  const host = await startHost(HEADLESS, { url: receiver.url });
  try {
    const ingestUrl = (await host.state()).ingest.url;
    const inject = ({ rate, seconds }) =>
      runWorker(OUT, 'ingest-load', ['--url', ingestUrl, '--seconds', String(seconds), '--connections', '4', '--rate', String(rate)]);
    const result = await measureWindow({ host, inject, rate: arg('rate', 2000), seconds: arg('seconds', 10) });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await host.stop();
    await receiver.stop();
  }
}

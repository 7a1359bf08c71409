// "Send test event" for one destination: the sample event in the destination's own format, with
// its headers and signature, sent now outside every queue, breaker and count; the answer is the
// status, the first bytes of the body and a hint for the known refusals.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { TestResult } from '../../../shared/bridge';
import type { DestinationConfig } from '../../../shared/destination';
import { toOutgoingBody, type PilotEventBody } from '../../../shared/events';
import { compileTemplate, TemplateError } from '../../../shared/formats/custom-template';
import { renderEvent } from '../../../shared/formats/render';
import { TEST_TOPIC } from '../../../shared/known-topics';
import { refusalHint } from '../../../shared/refusal-hints';
import { sendAttempt } from '../delivery/http-sender';
import type { SecretBundle } from './destination-secrets';
import { destinationHeaders } from './destination-request';

/** The answer the window shows for every "Send test event" (shared/bridge.ts), one definition. */
export type DestinationTestResult = TestResult;

export interface TestDeps {
  agent: UndiciDispatcher;
  timeoutMs: number;
  /** the URL rules, as for every delivery */
  checkUrl: (url: string) => { ok: true; url: string } | { ok: false; message: string };
  now?: () => number;
}

/** The sample every test sends: event_id 0 marks it as outside the event stream. */
export function sampleTestEvent(nodeId?: number): PilotEventBody {
  return toOutgoingBody(0, { event: TEST_TOPIC, ...(nodeId === undefined ? {} : { node_id: nodeId }), data: { message: 'Test event from Pilot Webhook Desktop', test: true } });
}

let testCount = 0;

export async function testDestination(cfg: DestinationConfig, bundle: SecretBundle, deps: TestDeps): Promise<DestinationTestResult> {
  if (cfg.url === '') return { ok: false, durationMs: 0, error: 'This destination has no URL yet.' };
  const check = deps.checkUrl(cfg.url);
  if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
  let rendered;
  try {
    rendered = await renderEvent(cfg.format, sampleTestEvent(), cfg.format === 'custom' ? compileTemplate(cfg.template ?? '') : undefined);
  } catch (err) {
    return { ok: false, durationMs: 0, error: err instanceof TemplateError ? err.message : String(err) };
  }
  const now = deps.now ?? Date.now;
  const msgId = `msg_test_${cfg.id}_${++testCount}`;
  const { record } = await sendAttempt({
    url: check.url,
    body: rendered.body,
    headers: destinationHeaders(rendered, bundle, msgId, now()),
    timeoutMs: deps.timeoutMs,
    agent: deps.agent,
    now,
  });
  const result: DestinationTestResult = { ok: record.error === undefined, durationMs: record.durationMs };
  if (record.status !== undefined) result.status = record.status;
  if (record.error !== undefined) result.error = record.message ?? record.error;
  const snippet = record.responseSnippet;
  if (snippet !== undefined) result.responseSnippet = snippet;
  const hint = refusalHint({ format: cfg.format, url: cfg.url, status: record.status, snippet });
  if (hint) result.hint = hint;
  return result;
}

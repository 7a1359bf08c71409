// The single-URL bridge calls in fleet mode: the URL field, "Send test event", the topic filters
// and the signing secret act on the fleet's primary destination (id `primary`) in its KV bucket,
// so every deliver process follows. The same checks and answers as the embedded app's.

import { fail, type Result } from '../../../shared/api-errors';
import type { BridgeHandlers } from '../../../shared/bridge';
import { guessFormat } from '../../../shared/formats/format-names';
import { checkTopicFiltersToSave, normaliseTopicFilters } from '../../../shared/topic-patterns';
import type { Dispatcher } from '../delivery/dispatcher';
import type { UrlPolicy } from '../url-policy';
import { generateSecret, secretHint } from '../delivery/signing';
import type { FleetConfig, FleetDestination } from './fleet-config';
import { PRIMARY_ID } from './fleet-destination-calls';

export type PrimaryCallName = 'setUrl' | 'clearUrl' | 'sendTest' | 'setTopicFilters' | 'setSecret' | 'generateSecret' | 'clearSecret';

export interface FleetPrimaryParts {
  config(): FleetConfig | null;
  unavailable(): string;
  checkUrl: UrlPolicy['check'];
  /** sends "Send test event" from this process, outside the fleet (signed with the primary's secret) */
  tester: Dispatcher;
}

export function fleetPrimaryHandlers(p: FleetPrimaryParts): Pick<BridgeHandlers, PrimaryCallName> {
  const primary = (): FleetDestination | undefined => p.config()?.get(PRIMARY_ID);

  /** Changes the primary in the fleet's configuration (created on first use). */
  const putPrimary = async (change: Partial<FleetDestination>): Promise<Result<FleetDestination>> => {
    const config = p.config();
    if (!config) return fail('fleet_unavailable', `The fleet configuration cannot be changed now: ${p.unavailable()}`);
    const next: FleetDestination = {
      id: PRIMARY_ID,
      name: 'Primary',
      url: null,
      enabled: true,
      createdAt: Date.now(),
      topics: [],
      secret: null,
      headers: {},
      ...primary(),
      ...change,
    };
    try {
      await config.put(next);
    } catch (err) {
      return fail('fleet_unavailable', `The fleet configuration could not be written (${(err as Error).message}); nothing changed.`);
    }
    return { ok: true, value: next };
  };

  return {
    setUrl: async ({ url }) => {
      const check = p.checkUrl(url);
      if (!check.ok) return fail(check.code, check.message);
      // Its format chosen from the URL's host again, as the embedded app's URL field does.
      const guess = guessFormat(check.url);
      const r = await putPrimary({ url: check.url, format: guess.format, template: undefined });
      return r.ok ? { ok: true, value: { url: check.url, format: guess.format, formatReason: guess.reason } } : r;
    },
    clearUrl: async () => {
      const r = await putPrimary({ url: null });
      return r.ok ? { ok: true, value: { url: null } } : r;
    },
    sendTest: async ({ url }) => {
      const target = url ?? primary()?.url ?? null;
      if (!target) return { ok: false, durationMs: 0, error: 'No URL to test: enter one or save one first.' };
      const check = p.checkUrl(target);
      if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
      return p.tester.sendTest(check.url);
    },
    setTopicFilters: async ({ filters }) => {
      const clean = normaliseTopicFilters(filters);
      const problem = checkTopicFiltersToSave(clean);
      if (problem) return fail('bad_topic_filter', problem);
      const r = await putPrimary({ topics: clean });
      return r.ok ? { ok: true, value: { filters: clean } } : r;
    },
    setSecret: async ({ secret }) => {
      const trimmed = secret.trim();
      if (trimmed.length === 0) return fail('empty', 'The secret is empty: type one, or use Generate.');
      const r = await putPrimary({ secret: trimmed });
      return r.ok ? { ok: true, value: { hint: secretHint(trimmed) } } : r;
    },
    generateSecret: async () => {
      const fresh = generateSecret();
      const r = await putPrimary({ secret: fresh });
      return r.ok ? { ok: true, value: { hint: secretHint(fresh) } } : r;
    },
    clearSecret: async () => {
      const r = await putPrimary({ secret: null });
      return r.ok ? { ok: true, value: { set: false } } : r;
    },
  };
}

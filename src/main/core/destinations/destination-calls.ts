// The destination bridge calls (list, create, update, delete, secret, test): each argument
// checked by the destination rules before anything is saved (shared/destination.ts), refused with
// the contract's codes and the field named, then saved and applied to the destination's
// dispatcher by the DestinationSet. Header values and secrets leave only as masked hints.

import { randomBytes } from 'node:crypto';
import { fail, isErrorCode, type ErrorCode, type Result } from '../../../shared/api-errors';
import type { BridgeHandlers, TestResult } from '../../../shared/bridge';
import { CallRefusal } from '../../../shared/call-answer';
import {
  checkDestinationFields,
  MAX_DESTINATIONS,
  newDestinationConfig,
  patchedDestinationConfig,
  type InputError,
  type UrlRule,
} from '../../../shared/destination';
import type { DestinationSummary } from '../../../shared/destination-summary';
import { refusalHint } from '../../../shared/refusal-hints';
import { secretHint } from '../delivery/signing';
import type { DestinationSet } from './destination-set';
import type { DestinationStore } from './destination-store';

export type DestinationCallName =
  | 'listDestinations'
  | 'createDestination'
  | 'updateDestination'
  | 'deleteDestination'
  | 'setDestinationSecret'
  | 'clearDestinationSecret'
  | 'testDestination';

export interface DestinationCallParts {
  set: DestinationSet;
  store: DestinationStore;
  /** the URL rules of this run (strict mode, own ports) */
  checkUrl: UrlRule;
  /** something the state shows changed */
  changed(): void;
}

/** Length of a generated id in random bytes (8 hex digits: unique among 20 destinations). */
const ID_BYTES = 4;

function newId(store: DestinationStore): string {
  for (;;) {
    const id = `d${randomBytes(ID_BYTES).toString('hex')}`;
    if (store.get(id) === null) return id;
  }
}

/** An input error as a refusal: its own code when the contract has it, the field named. */
function refuse<T>(e: InputError): Result<T> {
  const code: ErrorCode = isErrorCode(e.code) ? e.code : e.field === 'template' ? 'template_syntax' : 'bad_field';
  return fail(code, e.message, e.field);
}

function unknownId<T>(id: string): Result<T> {
  return fail('not_found', `There is no destination ${id}: list them with GET /api/destinations.`, 'id');
}

/** The run-only primary is not saved: there is nothing to change, and the answer says what to do instead. */
function runOnly<T>(): Result<T> {
  return fail(
    'run_only',
    'This destination is the URL given for this run only (--url, or the demo receiver): it is not saved, so it cannot be changed, switched off or deleted. Save its URL as the primary (PUT /api/url), or start without --url.',
    'id',
  );
}

/** A failure to save (a read-only or full data folder) is the host's trouble, said plainly. */
function saveFailed<T>(err: unknown): Result<T> {
  return fail('internal', `The destination could not be saved: ${err instanceof Error ? err.message : String(err)}. Nothing was changed.`);
}

export function destinationHandlers(p: DestinationCallParts): Pick<BridgeHandlers, DestinationCallName> {
  const { set, store } = p;
  const summary = (id: string): DestinationSummary => set.summary(id)!;

  return {
    listDestinations: async () => ({ destinations: set.summaries() }),

    createDestination: async (arg) => {
      if (store.all().length >= MAX_DESTINATIONS) {
        return fail('too_many', `At most ${MAX_DESTINATIONS} destinations: remove one before adding another.`);
      }
      const checked = checkDestinationFields(arg, 'create', p.checkUrl);
      if (!checked.ok) return refuse(checked.error);
      const f = checked.value;
      let id: string;
      try {
        id = set.add(newDestinationConfig(newId(store), f, false), { secret: null, headers: f.headers ?? {} }).id;
      } catch (err) {
        return saveFailed(err);
      }
      p.changed();
      return { ok: true, value: { destination: summary(id), ...(f.formatReason !== undefined && { formatReason: f.formatReason }) } };
    },

    updateDestination: async ({ id, ...rest }) => {
      if (set.isRunOnly(id)) return runOnly();
      const cur = store.get(id);
      if (cur === null) return unknownId(id);
      const checked = checkDestinationFields(rest, 'patch', p.checkUrl, cur);
      if (!checked.ok) return refuse(checked.error);
      const f = checked.value;
      const bundle = f.headers === undefined ? undefined : { ...store.secretsOf(id), headers: f.headers };
      try {
        await set.update(patchedDestinationConfig(cur, f), bundle);
      } catch (err) {
        return saveFailed(err);
      }
      p.changed();
      return { ok: true, value: { destination: summary(id) } };
    },

    deleteDestination: async ({ id }) => {
      if (set.isRunOnly(id)) return runOnly();
      if (store.get(id) === null) return unknownId(id);
      try {
        await set.remove(id);
      } catch (err) {
        return saveFailed(err);
      }
      p.changed();
      return { ok: true, value: { deleted: id } };
    },

    setDestinationSecret: async ({ id, secret }) => {
      if (set.isRunOnly(id)) return runOnly();
      if (store.get(id) === null) return unknownId(id);
      const trimmed = secret.trim();
      if (trimmed === '') return fail('empty', 'The secret is empty: type one.', 'secret');
      try {
        set.setSecret(id, trimmed);
      } catch (err) {
        return saveFailed(err);
      }
      p.changed();
      return { ok: true, value: { hint: secretHint(trimmed) } };
    },

    clearDestinationSecret: async ({ id }) => {
      if (set.isRunOnly(id)) return runOnly();
      if (store.get(id) === null) return unknownId(id);
      try {
        set.setSecret(id, null);
      } catch (err) {
        return saveFailed(err);
      }
      p.changed();
      return { ok: true, value: { set: false } };
    },

    // The sample in the destination's own format, headers and signature, recorded in the log as a
    // test; a hint for the known refusals (Slack's no_text, …).
    testDestination: async ({ id }): Promise<TestResult> => {
      // The summary's URL and format are the ones in use (the run-only primary's too).
      const cfg = set.summary(id);
      const d = set.dispatcherOf(id);
      if (cfg === null || d === null) throw new CallRefusal({ code: 'not_found', message: `There is no destination ${id}: list them with GET /api/destinations.`, field: 'id' });
      const url = cfg.url;
      if (url === '') return { ok: false, durationMs: 0, error: 'This destination has no URL yet.' };
      const result = await d.sendTest(url);
      const hint = refusalHint({ format: cfg.format, url, status: result.status, snippet: result.responseSnippet });
      return hint ? { ...result, hint } : result;
    },
  };
}

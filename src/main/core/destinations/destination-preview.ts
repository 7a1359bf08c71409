// POST /api/destinations/preview: the body a destination of the given format (and template) would
// send for an event — the given one, or the test sample — without sending anything. The window's
// Destinations panel shows it live as the user edits.

import { fail, type Result } from '../../../shared/api-errors';
import { checkEventBody, toOutgoingBody } from '../../../shared/events';
import { compileTemplate, TemplateError } from '../../../shared/formats/custom-template';
import type { FormatName } from '../../../shared/formats/format-names';
import { renderEvent } from '../../../shared/formats/render';
import type { RenderedBody } from '../../../shared/formats/rendered';
import { sampleTestEvent } from './destination-test';

export interface PreviewArg {
  format: FormatName;
  template?: string;
  /** a daemon event body ({event, node_id?, timestamp?, data?}); default the test sample */
  event?: Record<string, unknown>;
}

export async function previewBody(arg: PreviewArg): Promise<Result<RenderedBody>> {
  let ev = sampleTestEvent();
  if (arg.event !== undefined) {
    const check = checkEventBody(arg.event);
    if (!check.ok) return fail('bad_event', `"event": ${check.message}`);
    ev = toOutgoingBody(typeof arg.event.event_id === 'number' ? arg.event.event_id : 1, check.event);
    if (check.event.timestamp === undefined) delete ev.timestamp;
  }
  if (arg.format !== 'custom' && arg.template !== undefined && arg.template.trim() !== '') {
    return fail('bad_template', `"template": a template is used only by the custom format, not ${arg.format}`);
  }
  try {
    const template = arg.format === 'custom' ? compileTemplate(arg.template ?? '') : undefined;
    return { ok: true, value: await renderEvent(arg.format, ev, template) };
  } catch (err) {
    if (err instanceof TemplateError) return fail('bad_template', `"template": ${err.message}`);
    throw err;
  }
}

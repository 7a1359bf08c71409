// Turns a stored delivery record (the daemon's JSON, as the outbox keeps it) into the body a
// destination's format sends: its content type, the format's own headers and the destination's
// extra headers. `pilot` with no extra header needs no shaping (the hot path stays as it was).

import type { PilotEventBody } from '../../../shared/events';
import { compileTemplate, type CompiledTemplate } from '../../../shared/formats/custom-template';
import type { FormatName } from '../../../shared/formats/format-names';
import { isChatFormat, renderDigest, renderEvent } from '../../../shared/formats/render';

export interface ShapedBody {
  body: string;
  /** content-type, the format's headers (ntfy's Title…), then the destination's extra headers */
  headers: Record<string, string>;
}

/** Shapes one stored payload; throws (a template that fails on this event) with the reason as message. */
export type BodyShaper = (payload: string) => Promise<ShapedBody>;

export interface ShapeSpec {
  format: FormatName;
  template?: string;
  /** the destination's extra headers, values in clear (main process only) */
  headers: Readonly<Record<string, string>>;
}

/** The shaper for a destination, or null when the record's payload goes out as it is. */
export function bodyShaper(spec: ShapeSpec): BodyShaper | null {
  const extra = { ...spec.headers };
  if (spec.format === 'pilot' && Object.keys(extra).length === 0) return null;
  const template: CompiledTemplate | undefined = spec.format === 'custom' ? compileTemplate(spec.template ?? '') : undefined;
  return async (payload) => {
    if (spec.format === 'pilot') return { body: payload, headers: { 'content-type': 'application/json', ...extra } };
    const ev = JSON.parse(payload) as PilotEventBody;
    const rendered = await renderEvent(spec.format, ev, template);
    return { body: rendered.body, headers: { 'content-type': rendered.contentType, ...rendered.headers, ...extra } };
  };
}

/** Writes digest #n for stored payloads: the body and headers, as bodyShaper does for one event. */
export type DigestShaper = (digestNo: number, payloads: readonly string[]) => ShapedBody;

/** The digest writer of a chat format (pilot and custom receivers get every event as its own body). */
export function digestShaper(spec: ShapeSpec): DigestShaper | null {
  const format = spec.format;
  if (!isChatFormat(format)) return null;
  const extra = { ...spec.headers };
  return (digestNo, payloads) => {
    const rendered = renderDigest(format, digestNo, payloads.map((p) => JSON.parse(p) as PilotEventBody));
    return { body: rendered.body, headers: { 'content-type': rendered.contentType, ...rendered.headers, ...extra } };
  };
}

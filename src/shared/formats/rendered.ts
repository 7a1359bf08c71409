// What a format produces: the request body, its content type and any headers the format sets
// (ntfy's Title/Tags/Priority). Pure.

export interface RenderedBody {
  contentType: string;
  body: string;
  /** headers the format itself sets; the destination's extra headers come on top */
  headers: Record<string, string>;
}

export const JSON_TYPE = 'application/json';

export function jsonBody(value: unknown, headers: Record<string, string> = {}): RenderedBody {
  return { contentType: JSON_TYPE, body: JSON.stringify(value), headers };
}

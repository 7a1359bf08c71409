// Routes with a parameter in the path (`/api/destinations/:id`): how a path is matched against
// such a route, and how the window's web bridge builds the path from the argument. The parameter
// travels in the argument's field of the same name: over Electron IPC it is simply part of the one
// argument, over HTTP it is a path segment and the body leaves it out. Pure.

/** What a path parameter may be: a destination id and its kind (no `/`, no escapes to decode). */
export const PATH_PARAM = /^[A-Za-z0-9_-]{1,64}$/;

/** The names of a route's parameters, in order (`/api/destinations/:id/secret` → ['id']). */
export function pathParamNames(route: string): string[] {
  return route
    .split('/')
    .filter((seg) => seg.startsWith(':'))
    .map((seg) => seg.slice(1));
}

/**
 * The parameters when `path` matches `route`, else null. The raw path is compared segment by
 * segment, never decoded: a parameter is PATH_PARAM or the path does not match.
 */
export function matchPath(route: string, path: string): Record<string, string> | null {
  const want = route.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (!PATH_PARAM.test(g)) return null;
      params[w.slice(1)] = g;
    } else if (w !== g) return null;
  }
  return params;
}

/**
 * The path for an argument: each `:name` replaced by the argument's field (a string of
 * PATH_PARAM), or null when a field is missing or not one (the caller refuses the argument).
 */
export function fillPath(route: string, arg: unknown): string | null {
  const fields = (typeof arg === 'object' && arg !== null ? arg : {}) as Record<string, unknown>;
  const segs: string[] = [];
  for (const seg of route.split('/')) {
    if (!seg.startsWith(':')) {
      segs.push(seg);
      continue;
    }
    const value = fields[seg.slice(1)];
    if (typeof value !== 'string' || !PATH_PARAM.test(value)) return null;
    segs.push(value);
  }
  return segs.join('/');
}

/** The argument without its path parameters: what goes in an HTTP body. */
export function withoutPathParams(route: string, arg: unknown): unknown {
  const names = pathParamNames(route);
  if (names.length === 0 || typeof arg !== 'object' || arg === null) return arg;
  const rest: Record<string, unknown> = { ...(arg as Record<string, unknown>) };
  for (const n of names) delete rest[n];
  return rest;
}

// The path and query of a request target. WHATWG URL parsing cost several microseconds a
// request; a plain target (what clients send) reads the same taken apart by hand, and
// anything else goes through URL as before.

export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

/** Unreserved characters and '/', not "//…" (a host to URL). */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~/]*$/;
/** A "." or ".." segment, which URL resolves away. */
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;
/**
 * Printable ASCII but '#' (URL would cut a fragment, drop tabs and newlines, escape the rest
 * and URLSearchParams unescape it again), not starting with '?' (URLSearchParams drops one).
 */
const PLAIN_QUERY = /^(?!\?)[\x21\x22\x24-\x7e]*$/;

export function requestTarget(raw: string): RequestTarget {
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && PLAIN_QUERY.test(query))
    return { pathname: path, searchParams: new URLSearchParams(query) };
  const url = new URL(raw, 'http://kube-sim');
  return { pathname: url.pathname, searchParams: url.searchParams };
}

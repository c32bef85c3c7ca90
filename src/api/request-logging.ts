// Request URLs as logged. Fastify's own request lines carry the raw URL; RTM writes its own
// (internal-http.server.ts) with the query string replaced: a caller may put a secret in it
// (`?access_token=...`), and even a parameter name can be one (`?<token>`).

export const REDACTED_QUERY = '?[redacted]';

/** `/path?anything` -> `/path?[redacted]`; a URL without a query is returned as is. */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q) + REDACTED_QUERY;
}

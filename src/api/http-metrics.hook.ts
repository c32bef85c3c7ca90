// rtmanager_http_request_duration_seconds{method,route,status_code}: one observation per
// answered request, labelled with the route template (never the raw URL, whose game ids
// would make one series per game). Requests no route matched share `unmatched`.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../ports/metrics.js';

export const UNMATCHED_ROUTE = 'unmatched';

export function registerHttpMetrics(app: FastifyInstance, metrics: Pick<Metrics, 'httpRequestCompleted'>): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestCompleted({
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      statusCode: reply.statusCode,
      durationSeconds: reply.elapsedTime / 1000,
    });
  });
}

// One observation per answered request, by route template (never the raw URL).
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerHttpMetrics, UNMATCHED_ROUTE } from '../../src/api/http-metrics.hook.js';
import { FakeMetrics } from '../fakes/misc.fake.js';

describe('registerHttpMetrics', () => {
  it('labels requests with method, route template and status; unmatched paths share one label', async () => {
    const metrics = new FakeMetrics();
    const app = Fastify();
    registerHttpMetrics(app, metrics);
    app.get('/api/v1/internal/runtimes/:game_id', async (request, reply) =>
      (request.params as { game_id: string }).game_id === 'missing' ? reply.code(404).send({}) : { ok: true },
    );
    await app.inject({ method: 'GET', url: '/api/v1/internal/runtimes/g1' });
    await app.inject({ method: 'GET', url: '/api/v1/internal/runtimes/missing?x=1' });
    await app.inject({ method: 'POST', url: '/no/such/path' });
    await app.close();
    expect(metrics.httpRequests.map((r) => [r.method, r.route, r.statusCode])).toEqual([
      ['GET', '/api/v1/internal/runtimes/:game_id', 200],
      ['GET', '/api/v1/internal/runtimes/:game_id', 404],
      ['POST', UNMATCHED_ROUTE, 404],
    ]);
    expect(metrics.httpRequests.every((r) => r.durationSeconds >= 0 && r.durationSeconds < 60)).toBe(true);
  });
});

// The generated ts-rest contract and openapi-fetch client carry the §5 operations.
import { describe, expect, it } from 'vitest';
import { createRtmApiClient } from '../../generated/openapi/client.js';
import { RTM_OPERATION_IDS, rtmInternalContract } from '../../generated/openapi/contract.js';

const ROUTES: Record<string, [method: string, path: string, callerHeader: string]> = {
  internalListRuntimes: ['GET', '/api/v1/internal/runtimes', 'optional'],
  internalGetRuntime: ['GET', '/api/v1/internal/runtimes/:game_id', 'optional'],
  internalListRuntimeOperations: ['GET', '/api/v1/internal/runtimes/:game_id/operations', 'optional'],
  internalStartRuntime: ['POST', '/api/v1/internal/runtimes/:game_id/start', 'required'],
  internalStopRuntime: ['POST', '/api/v1/internal/runtimes/:game_id/stop', 'required'],
  internalRestartRuntime: ['POST', '/api/v1/internal/runtimes/:game_id/restart', 'required'],
  internalPatchRuntime: ['POST', '/api/v1/internal/runtimes/:game_id/patch', 'required'],
  internalCleanupRuntimeContainer: ['DELETE', '/api/v1/internal/runtimes/:game_id/container', 'required'],
  internalGetRuntimeLogs: ['GET', '/api/v1/internal/runtimes/:game_id/logs', 'optional'],
  internalGetRuntimeStats: ['GET', '/api/v1/internal/runtimes/:game_id/stats', 'optional'],
  internalUpdateRuntimeLimits: ['POST', '/api/v1/internal/runtimes/:game_id/limits', 'required'],
  internalGetDiagnostics: ['GET', '/api/v1/internal/diagnostics', 'none'],
  internalTailEvents: ['GET', '/api/v1/internal/events', 'none'],
  internalHealthz: ['GET', '/healthz', 'none'],
  internalReadyz: ['GET', '/readyz', 'none'],
};

describe('generated ts-rest contract', () => {
  it('has one route per operationId with the contract method and path', () => {
    expect(Object.keys(rtmInternalContract).sort()).toEqual(Object.keys(ROUTES).sort());
    expect([...RTM_OPERATION_IDS].sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [operationId, [method, path, callerHeader]] of Object.entries(ROUTES)) {
      const route = rtmInternalContract[operationId as keyof typeof rtmInternalContract];
      expect(route.method, operationId).toBe(method);
      expect(route.path, operationId).toBe(path);
      expect(route.metadata.operationId).toBe(operationId);
      expect(route.metadata.callerHeader, operationId).toBe(callerHeader);
      expect(route.metadata.bearerAuth, operationId).toBe(path.startsWith('/api/v1/internal'));
    }
  });

  it('lists, per status, the error codes each route may answer', () => {
    expect(rtmInternalContract.internalStartRuntime.metadata.errorCodes[502]).toEqual(['image_pull_failed', 'container_start_failed']);
    expect(rtmInternalContract.internalPatchRuntime.metadata.errorCodes[422]).toEqual([
      'image_ref_not_semver',
      'semver_patch_only',
      'start_config_invalid',
    ]);
    expect(Object.keys(rtmInternalContract.internalStartRuntime.responses)).toContain('200');
  });
});

describe('generated openapi-fetch client', () => {
  it('sends the bearer token and caller header to the contract path', async () => {
    const seen: Request[] = [];
    const fakeFetch = async (input: Request): Promise<Response> => {
      seen.push(input);
      return new Response(JSON.stringify({ runtime: null, error_code: 'replay_no_op' }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = createRtmApiClient({
      baseUrl: 'http://rtm.test',
      token: 's3cret',
      caller: 'game_master',
      fetch: fakeFetch as unknown as typeof fetch,
    });
    const { data } = await client.POST('/api/v1/internal/runtimes/{game_id}/stop', {
      params: { path: { game_id: 'game-1' } },
      body: { reason: 'finished' },
    });
    expect(data).toEqual({ runtime: null, error_code: 'replay_no_op' });
    const request = seen[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://rtm.test/api/v1/internal/runtimes/game-1/stop');
    expect(request.headers.get('authorization')).toBe('Bearer s3cret');
    expect(request.headers.get('x-galaxy-caller')).toBe('game_master');
    expect(await request.json()).toEqual({ reason: 'finished' });
  });
});

// The Docker daemon's version for /api/v1/internal/diagnostics (GET /version), bounded by
// an abort signal so a hung daemon cannot hang the answer.
import type Dockerode from 'dockerode';
import type { VersionSource } from '../../ports/diagnostics.js';

export class DockerVersionSource implements VersionSource {
  readonly name = 'docker';

  constructor(
    private readonly docker: Dockerode,
    private readonly timeoutMs: number,
  ) {}

  async version(): Promise<string> {
    const info = await new Promise<{ Version?: unknown; ApiVersion?: unknown }>((resolve, reject) => {
      this.docker.modem.dial(
        { path: '/version', method: 'GET', abortSignal: AbortSignal.timeout(this.timeoutMs), statusCodes: { 200: true, 500: 'server error' } },
        (err, data) => (err ? reject(err) : resolve(data as { Version?: unknown; ApiVersion?: unknown })),
      );
    });
    const version = typeof info.Version === 'string' ? info.Version : 'unknown';
    return typeof info.ApiVersion === 'string' ? `${version} (API ${info.ApiVersion})` : version;
  }
}

// The hardening rows the swarm's nodes can express in a service spec (CONTRACT §11,
// docs/swarm.md "Hardening table"), from their engine versions as the manager reports them:
// GET /nodes (every node's engine, the lowest decides) and the API version RTM's requests speak
// (the client's pinned version if any; unversioned requests get the manager's own, GET /version).
// A verdict is reused for REUSE_MS (a read that failed is not kept), so /readyz and each spec
// written see a node that joined with an older engine within that time.
import type Dockerode from 'dockerode';
import { hardeningRefusal, hardeningVerdict, type SwarmEngineVersions, type SwarmHardeningRow, type SwarmHardeningVerdict } from '../../../domain/swarm-hardening.js';
import { DockerError } from '../../../ports/docker-runtime.js';
import { SwarmApiClient } from './swarm-api.client.js';

export const HARDENING_REUSE_MS = 30_000;

export interface SwarmHardeningSettings {
  apiTimeoutMs: number;
  /** RTMANAGER_SWARM_HARDENING_WAIVER. */
  waived: readonly SwarmHardeningRow[];
  reuseMs?: number;
  now?: () => number;
}

export class SwarmHardeningGate {
  private readonly api: SwarmApiClient;
  private last: { at: number; verdict: Promise<SwarmHardeningVerdict> } | null = null;

  constructor(
    private readonly docker: Dockerode,
    private readonly settings: SwarmHardeningSettings,
  ) {
    this.api = new SwarmApiClient(docker, settings.apiTimeoutMs);
  }

  /** RTMANAGER_SWARM_HARDENING_WAIVER. */
  get waived(): readonly SwarmHardeningRow[] {
    return this.settings.waived;
  }

  /** Every node's engine version and the API version of RTM's requests, as the manager answers now. */
  async versions(): Promise<SwarmEngineVersions> {
    const pinned = (this.docker.modem as { version?: unknown }).version;
    const [nodes, version] = await Promise.all([
      this.api.nodes(),
      typeof pinned === 'string' && pinned !== '' ? { ApiVersion: pinned.replace(/^v/, '') } : this.api.request<{ ApiVersion?: unknown }>('version', { path: '/version' }),
    ]);
    return {
      engines: nodes.map((n) => n.Description?.Engine?.EngineVersion ?? ''),
      apiVersion: typeof version.ApiVersion === 'string' ? version.ApiVersion : null,
    };
  }

  /** The verdict over the current versions and the waiver (reused for reuseMs). */
  verdict(): Promise<SwarmHardeningVerdict> {
    const now = this.settings.now ?? Date.now;
    const reuseMs = this.settings.reuseMs ?? HARDENING_REUSE_MS;
    if (this.last !== null && now() - this.last.at < reuseMs) return this.last.verdict;
    const entry = { at: now(), verdict: this.versions().then((v) => hardeningVerdict(v, this.settings.waived)) };
    this.last = entry;
    entry.verdict.catch(() => {
      if (this.last === entry) this.last = null;
    });
    return entry.verdict;
  }

  /** The rows every spec carries; refused while a row the nodes cannot express is not waived. */
  async expressible(): Promise<ReadonlySet<SwarmHardeningRow>> {
    const verdict = await this.verdict();
    const refusal = hardeningRefusal(verdict);
    if (refusal !== null) throw new DockerError('failed', refusal);
    return verdict.expressible;
  }
}

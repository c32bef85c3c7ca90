// Versions move together (codegen/version-alignment.ts): the repository as committed agrees,
// and a drift anywhere is named.
import { describe, expect, it } from 'vitest';
import { collectVersions, versionDrift } from '../../codegen/version-alignment.js';

describe('version alignment', () => {
  it('the specs, the packages, the client pin and CHANGELOG.md carry one version', async () => {
    const sources = await collectVersions();
    expect(sources.map((s) => s.where)).toEqual([
      'api/internal-openapi.yaml info.version',
      'api/runtime-jobs-asyncapi.yaml info.version',
      'api/runtime-health-asyncapi.yaml info.version',
      'package.json version',
      'packages/rtmanager-client/package.json version',
      'packages/rtmctl/package.json version',
      'packages/rtmctl/package.json dependencies.@galaxy/rtmanager-client',
      'CHANGELOG.md newest "## x.y.z" entry',
    ]);
    expect(versionDrift(sources)).toEqual([]);
  });

  it('names every source that drifts, and a missing one', async () => {
    const sources = await collectVersions();
    const drifted = sources.map((s, i) => (i === 4 ? { ...s, version: '9.9.9' } : i === 7 ? { ...s, version: null } : s));
    const problems = versionDrift(drifted);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('packages/rtmanager-client/package.json version is 9.9.9');
    expect(problems[1]).toContain('CHANGELOG.md newest "## x.y.z" entry is missing');
  });
});

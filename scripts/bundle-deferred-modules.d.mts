// Types of bundle-deferred-modules.mjs (plain JS: scripts/build-dist.mjs runs without tsx).
import type { Plugin } from 'esbuild';

export interface DeferredModule {
  measure: string;
  package: string;
  version: string;
  file: string;
  importer: string;
  binding: string;
  requirePattern: RegExp;
  callPattern: RegExp;
}

export const DEFERRED_MODULES: readonly DeferredModule[];
export const deferredModulesPlugin: Plugin;

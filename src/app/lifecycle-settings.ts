import type { LifecycleSettings } from '../services/lifecycle-services.js';
import type { RtmConfig } from './config.js';

/** The lifecycle services' settings, from the one config object. */
export function lifecycleSettingsFromConfig(config: RtmConfig): LifecycleSettings {
  return {
    start: {
      pullPolicy: config.docker.pullPolicy,
      imageAllowlist: config.docker.imageAllowlist,
      containerDefaults: {
        network: config.docker.network,
        enginePort: config.container.enginePort,
        limits: config.container.defaultLimits,
        ceilings: config.container.ceilings,
        hardening: config.container.hardening,
        logDriver: config.container.logDriver,
        logOptions: config.container.logOptions,
      },
    },
    stop: { stopTimeoutSeconds: config.container.stopTimeoutSeconds },
  };
}

import { ContainerIntentsRegistry } from '../../../src/adapters/memory/container-intents.registry.js';
import { describeContainerIntentsContract } from './container-intents.contract.js';

describeContainerIntentsContract('ContainerIntentsRegistry', ({ ttlMs, now }) => new ContainerIntentsRegistry(ttlMs, now));

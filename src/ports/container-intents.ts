/**
 * What RTM itself is doing to a container right now, so the Docker events listener can
 * tell RTM's own stop/remove from a crash (the suppression rules of docs/workers.md).
 * In-process; entries expire on their own.
 */
export type ContainerIntentAction = 'stop' | 'remove';

export interface ContainerIntents {
  /** Declare, before the Docker call, that RTM is about to stop/remove this container. */
  expect(containerId: string, action: ContainerIntentAction): void;
  /** True when RTM declared this action on this container recently. */
  isExpected(containerId: string, action: ContainerIntentAction): boolean;
}

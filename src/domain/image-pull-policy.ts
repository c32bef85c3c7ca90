// RTMANAGER_IMAGE_PULL_POLICY (CONTRACT §2). The one list: config parses against it, the
// start operation branches on it. No spec carries it (it is configuration, not wire data).

export const IMAGE_PULL_POLICIES = ['always', 'if_not_present', 'never'] as const;
export type ImagePullPolicy = (typeof IMAGE_PULL_POLICIES)[number];

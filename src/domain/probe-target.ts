/** How the health probe reaches an engine (CONTRACT §2, RTMANAGER_PROBE_TARGET). */
export type ProbeTarget = 'dns' | 'container_ip' | 'auto';

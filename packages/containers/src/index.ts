/** The ContainerRuntime interface the daemon drives. */
export type { ContainerRuntime, RuntimeAgent, RuntimeKind, ContainerStatus, CrashInfo } from './runtime.js';

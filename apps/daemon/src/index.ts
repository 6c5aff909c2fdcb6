/** The daemon as a library: config, start/stop, the core and the API client. */
export { loadConfig, defaultStateDir, DaemonConfig, ConfigError } from './config.js';
export { startDaemon, type RunningDaemon } from './server.js';
export { Hive } from './core/hive.js';
export { HiveClient, HiveClientError } from './client.js';
export { PIPELINE_STEPS, type PipelineStep } from './core/pipeline-steps.js';

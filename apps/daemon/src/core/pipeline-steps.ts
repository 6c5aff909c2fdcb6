/**
 * The approval pipeline's step names, in the order a deploy runs them; `fail` replaces whatever is
 * left when prepare or build throws, or the health check fails. A leaf module on purpose: config validation and the CLI read
 * these names without loading the git and nix code of `pipeline.ts`.
 */
export const PIPELINE_STEPS = ['stamp', 'read-tree', 'prepare', 'build', 'health', 'deployed', 'main', 'finalize', 'fail'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** Told as each step completes (the crash tests SIGKILL the daemon there). */
export type StepObserver = (step: PipelineStep) => void;

/** The observer HIVE_FAULT_AT arms: SIGKILL right after `step` completes; a no-op when unset. */
export function faultAt(step: PipelineStep | undefined, onFault: (step: PipelineStep) => void = () => undefined): StepObserver {
  if (!step) return () => undefined;
  return (done) => {
    if (done !== step) return;
    onFault(done);
    process.kill(process.pid, 'SIGKILL');
  };
}

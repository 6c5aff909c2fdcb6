/** The hash behind every agent port. */
export { fnv1a32 } from './fnv.js';
/** An agent's harness port: manager fixed, others hashed into a range. */
export { agentWebPort, PORT_DEFAULTS, type PortOptions } from './port.js';
/** Collisions are real (~0.1% per pair): cluster them, refuse them at spawn, suggest a way out. */
export { findPortConflicts, preflightPort, suggestFreeName, type PortConflict, type PreflightOptions } from './conflicts.js';
/** Who listens on a port, read from /proc (for refusals that name the holder). */
export { findPortHolder, describePortHolder, type PortHolder } from './holder.js';
export { PortTakenError, PortHeldError } from './errors.js';

export { startScriptedServer } from './server.js';
export type { RecordedRequest, ScriptedServer, ScriptedServerOptions } from './server.js';
export type { Script, Reply, Fault, FaultKind } from './script.js';
export type { Dialect } from './dialects.js';
export type { Latency } from './latency.js';
export type { CostModelOptions, CostStats } from './cost-model.js';
export { busyFraction } from './timings.js';

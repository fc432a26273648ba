export { startLiveView, type LiveOptions, type LiveRun } from './mount.js';
export { queueMetricsSource, type MetricsSource } from './metrics.js';

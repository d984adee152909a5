// Prometheus metrics named after kube-apiserver's, so existing dashboards and alerts
// read them: request count and latency by verb, resource and code; open watches;
// storage latency.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, resource, subresource and HTTP response code.',
    labelNames: ['verb', 'group', 'resource', 'subresource', 'code'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, resource and subresource.',
    labelNames: ['verb', 'group', 'resource', 'subresource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly watches = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Gauge of all active long-running apiserver requests (watches) broken out by group and resource.',
    labelNames: ['verb', 'group', 'resource'] as const,
    registers: [this.registry],
  });

  readonly storageDuration = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Storage request latency in seconds for each operation and resource.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 1, 2, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

// Options for `https.createServer` that keep slow or idle clients from holding the
// server: each phase of a connection has a deadline, none of which cuts a watch short
// (a watch's request is complete once its headers are in; its long response is not
// bounded by any of these).
import type { ServerOptions } from 'node:https';

export interface ConnectionLimits {
  /** The TLS handshake. */
  handshakeTimeoutMs: number;
  /** Receiving the request headers (kube's ReadHeaderTimeout is 32 s). */
  headersTimeoutMs: number;
  /** Receiving the whole request, body included (3 MiB at most). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection (kube's IdleTimeout is 90 s). */
  keepAliveTimeoutMs: number;
  /** How often the header and request deadlines are checked. */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 32_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 90_000,
  checkIntervalMs: 5_000,
};

export function hardenedServerOptions(overrides: Partial<ConnectionLimits> = {}): ServerOptions {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...overrides };
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
    // kube-apiserver's MaxHeaderBytes: the front proxy sends one header per group and
    // extra value, which for users in many groups outgrows Node's 16 KiB default.
    maxHeaderSize: 1024 * 1024,
  };
}

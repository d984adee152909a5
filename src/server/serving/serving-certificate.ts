// The serving certificate and key (`--tls-cert-file`, `--tls-private-key-file`), reloaded
// from disk when they change and handed to the running TLS server, so rotating a
// certificate never needs a restart: connections made after the change get the new one,
// established connections keep theirs.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions, Server } from 'node:tls';
import { watchFiles, type FileWatch } from './file-watch.js';

/**
 * The CA certificates (PEM) whose clients the server asks for a certificate: the client
 * CA and the request-header CA. They change when the cluster's authentication
 * ConfigMap or the CA files do.
 */
export interface CaBundleSource {
  current(): string[];
  /** Returns a function that removes the listener. */
  onChange(listener: () => void): () => void;
}

export function staticCaBundle(pems: string[]): CaBundleSource {
  return { current: () => pems, onChange: () => () => {} };
}

export interface ServingCertificateOptions {
  certFile: string;
  keyFile: string;
  clientCAs: CaBundleSource;
  /** How often the files are re-read besides fs.watch events. Default 10 s. */
  pollIntervalMs?: number;
  /** A new certificate is in use; `serialNumber` names it in logs. */
  onReload?: (certificate: { serialNumber: string; subject: string; validTo: string }) => void;
  /** Files that cannot be used (yet): the previous certificate stays in use. */
  onError?: (err: unknown) => void;
}

interface KeyPair {
  cert: string;
  key: string;
}

export class ServingCertificate {
  private readonly servers = new Set<Server>();
  private readonly stopWatchingFiles: FileWatch;
  private readonly stopWatchingCAs: () => void;

  private constructor(
    private pair: KeyPair,
    private readonly options: ServingCertificateOptions,
  ) {
    this.stopWatchingFiles = watchFiles(
      [options.certFile, options.keyFile],
      [pair.cert, pair.key],
      ([cert, key]) => this.replace({ cert: cert!, key: key! }),
      { pollIntervalMs: options.pollIntervalMs, onError: options.onError },
    );
    this.stopWatchingCAs = options.clientCAs.onChange(() => this.apply());
  }

  /** Reads and checks the files; fails when they are not a usable certificate and key. */
  static async load(options: ServingCertificateOptions): Promise<ServingCertificate> {
    const [cert, key] = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8')]);
    checkKeyPair({ cert, key }, options);
    return new ServingCertificate({ cert, key }, options);
  }

  /** For `https.createServer`: the certificate, key and client CAs in force now. */
  secureContextOptions(): SecureContextOptions {
    const ca = this.options.clientCAs.current();
    return { cert: this.pair.cert, key: this.pair.key, ...(ca.length > 0 && { ca }) };
  }

  /** From now on, every change is applied to `server`'s new connections. */
  attach(server: Server): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  close(): void {
    this.stopWatchingFiles.close();
    this.stopWatchingCAs();
    this.servers.clear();
  }

  private replace(pair: KeyPair): void {
    let certificate: X509Certificate;
    try {
      certificate = checkKeyPair(pair, this.options);
    } catch (err) {
      this.options.onError?.(err);
      return;
    }
    this.pair = pair;
    this.apply();
    this.options.onReload?.({ serialNumber: certificate.serialNumber, subject: certificate.subject, validTo: certificate.validTo });
  }

  private apply(): void {
    const options = this.secureContextOptions();
    for (const server of this.servers) {
      try {
        server.setSecureContext(options);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }
}

/** The certificate parses and the key is its own: a half-replaced pair is refused. */
function checkKeyPair(pair: KeyPair, files: { certFile: string; keyFile: string }): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch (err) {
    throw new Error(`${files.certFile}: not a PEM certificate: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(pair.key);
  } catch (err) {
    throw new Error(`${files.keyFile}: not a PEM private key: ${(err as Error).message}`);
  }
  if (!certificate.checkPrivateKey(key)) throw new Error(`${files.keyFile} is not the key of the certificate in ${files.certFile}`);
  return certificate;
}

// Client certificate chains verified against an explicit set of roots.
//
// Node's `socket.authorized` only says that the chain leads to *some* CA the TLS server
// was given. The server is given both the request-header (front-proxy) CA and the client
// CA, so that clients of either send their certificates; but which CA signed a
// certificate decides what it may do (assert any user through X-Remote-* headers, or
// only be the user it names). So every authenticator verifies the chain itself, against
// its own CA, the way Go's x509.Verify does for kube-apiserver.
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
// Go's verifier has no fixed limit, but real client chains are two or three long; the
// bound keeps a hostile chain from costing more than a handful of signature checks.
const MAX_INTERMEDIATES = 8;

/** Every certificate in a PEM bundle (a CA file or a ConfigMap value may hold several). */
export function parseCertificateBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

interface VerifiedChain {
  leaf: PeerCertificate;
  /** The chain is valid from the latest notBefore to the earliest notAfter on it. */
  validFrom: number;
  validTo: number;
}

// A connection's certificates never change, so the signatures are checked once per
// connection and set of roots; the validity window is still checked on every request,
// as a long-lived connection can outlive its certificate.
const verifiedChains = new WeakMap<TLSSocket, WeakMap<readonly X509Certificate[], VerifiedChain | null>>();

/**
 * The peer's leaf certificate when the chain it presented leads to one of `roots`, every
 * certificate on the way is within its validity period, and the chain may be used for
 * client authentication; otherwise undefined.
 */
export function verifiedPeerCertificate(
  socket: TLSSocket,
  roots: readonly X509Certificate[],
  now = Date.now(),
): PeerCertificate | undefined {
  if (roots.length === 0 || typeof socket.getPeerCertificate !== 'function') return undefined;
  let byRoots = verifiedChains.get(socket);
  if (!byRoots) verifiedChains.set(socket, (byRoots = new WeakMap()));
  let chain = byRoots.get(roots);
  if (chain === undefined) {
    chain = verifyChain(presentedChain(socket), roots);
    byRoots.set(roots, chain);
  }
  if (!chain || now < chain.validFrom || now > chain.validTo) return undefined;
  return chain.leaf;
}

/** The certificates the client sent, leaf first. */
function presentedChain(socket: TLSSocket): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  // getPeerCertificate() returns {} when the client sent no certificate; the last
  // certificate of a chain names itself as its issuer.
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && !chain.some((seen) => seen.raw.equals(cert!.raw))) {
    chain.push(cert);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function verifyChain(presented: DetailedPeerCertificate[], roots: readonly X509Certificate[]): VerifiedChain | null {
  const [leafPeer, ...rest] = presented;
  if (!leafPeer) return null;
  const leaf = new X509Certificate(leafPeer.raw);
  const intermediates = rest.slice(0, MAX_INTERMEDIATES).map((peer) => new X509Certificate(peer.raw)).filter((cert) => cert.ca);
  const path = pathToRoot(leaf, intermediates, roots, [leaf]);
  if (!path || !path.every(allowsClientAuth)) return null;
  return {
    leaf: leafPeer,
    validFrom: Math.max(...path.map((cert) => Date.parse(cert.validFrom))),
    validTo: Math.min(...path.map((cert) => Date.parse(cert.validTo))),
  };
}

/** Depth-first search from `cert` to a root through the presented intermediates. */
function pathToRoot(
  cert: X509Certificate,
  intermediates: X509Certificate[],
  roots: readonly X509Certificate[],
  path: X509Certificate[],
): X509Certificate[] | null {
  const root = roots.find((candidate) => issuedBy(cert, candidate));
  if (root) return [...path, root];
  for (const next of intermediates) {
    if (path.includes(next) || !issuedBy(cert, next)) continue;
    const found = pathToRoot(next, intermediates, roots, [...path, next]);
    if (found) return found;
  }
  return null;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

// As Go's verifier with KeyUsages {ClientAuth}: a certificate that restricts its
// extended key usage must allow client authentication (or any usage).
function allowsClientAuth(cert: X509Certificate): boolean {
  const usages = cert.keyUsage as string[] | undefined;
  return !usages || usages.length === 0 || usages.includes(CLIENT_AUTH) || usages.includes(ANY_EXTENDED_KEY_USAGE);
}

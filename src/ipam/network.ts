// One VPC network as IPAM sees it: which of its addresses may be handed out, and the
// arithmetic to name them. Addresses are handled as offsets from the network address
// (bigint, since an IPv6 network can hold 2^64 and more) and named by their canonical
// text, the same text Go's netip prints, because that text is the storage key.
import ipaddr from 'ipaddr.js';
import { formatPrefix, maskedPrefix, parseAddress, parsePrefix, type IPAddress } from '../net/ip.js';

export type Family = 'IPv4' | 'IPv6';

export const FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];

const familyOf = (address: IPAddress): Family => (address.family === 4 ? 'IPv4' : 'IPv6');

function toBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function toBytes(value: bigint, length: number): number[] {
  const bytes = new Array<number>(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

// Picks spread allocators over the free space; they need no cryptographic quality, and
// Math.random is an order of magnitude cheaper than a call into crypto per pick.
const RANDOM_CHUNK = 2n ** 32n;

/** A (practically) uniform bigint in [0, bound), 32 random bits at a time. */
function randomBelow(bound: bigint): bigint {
  if (bound <= RANDOM_CHUNK) return BigInt(Math.floor(Math.random() * Number(bound)));
  let value = 0n;
  // 32 bits beyond the bound's own make the modulo bias negligible.
  for (let range = 1n; range < bound * RANDOM_CHUNK; range *= RANDOM_CHUNK) {
    value = value * RANDOM_CHUNK + BigInt(Math.floor(Math.random() * 2 ** 32));
  }
  return value % bound;
}

const PARSED_LIMIT = 10_000;
const parsed = new Map<string, Network | undefined>();

export class Network {
  /** Canonical CIDR text, e.g. `10.20.0.0/24`. */
  readonly cidr: string;
  readonly family: Family;
  readonly bits: number;
  /** First and last offset that may be handed out; `last < first` when there is none. */
  readonly first: bigint;
  readonly last: bigint;
  private readonly base: bigint;
  private readonly byteLength: number;
  private readonly hostCount: bigint;

  private constructor(address: IPAddress, bits: number) {
    this.cidr = formatPrefix({ address, bits });
    this.family = familyOf(address);
    this.bits = bits;
    this.byteLength = address.bytes.length;
    this.base = toBigInt(address.bytes);
    this.hostCount = 1n << BigInt(this.byteLength * 8 - bits);
    // IPv4 keeps the network address, the first host (the VPC's gateway) and the
    // broadcast address; IPv6 has no broadcast, and only the all-zeros subnet-router
    // anycast address (RFC 4291 §2.6.1) is reserved.
    this.first = this.family === 'IPv4' ? 2n : 1n;
    this.last = this.family === 'IPv4' ? this.hostCount - 2n : this.hostCount - 1n;
  }

  /** The network a CIDR names, host bits cleared; undefined when the text is no CIDR. */
  static parse(text: string): Network | undefined {
    // Every allocation parses its VPC's networks: a VPC's few networks are parsed once.
    let network = parsed.get(text);
    if (!network && !parsed.has(text)) {
      const prefix = parsePrefix(text);
      const masked = prefix && maskedPrefix(prefix);
      network = masked && new Network(masked.address, masked.bits);
      if (parsed.size >= PARSED_LIMIT) parsed.clear();
      parsed.set(text, network);
    }
    return network;
  }

  /** How many addresses may be handed out. */
  get size(): bigint {
    return this.last >= this.first ? this.last - this.first + 1n : 0n;
  }

  contains(address: IPAddress): boolean {
    if (address.bytes.length !== this.byteLength) return false;
    const offset = toBigInt(address.bytes) - this.base;
    return offset >= 0n && offset < this.hostCount;
  }

  /** Why `address` (inside this network) is never handed out, or undefined when it may be. */
  reservedRole(address: IPAddress): string | undefined {
    const offset = toBigInt(address.bytes) - this.base;
    if (this.family === 'IPv6') return offset === 0n ? 'the subnet-router anycast address' : undefined;
    if (offset === 0n) return 'the network address';
    if (offset === this.hostCount - 1n) return 'the broadcast address';
    if (offset === 1n) return 'the gateway address';
    return undefined;
  }

  /** The canonical text of the address at `offset` from the network address. */
  addressAt(offset: bigint): string {
    // Picking names many candidates per allocation when a network is nearly full: IPv4
    // stays in plain numbers.
    if (this.family === 'IPv4') {
      const value = Number(this.base + offset);
      return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
    }
    return parseAddress(ipaddr.fromByteArray(toBytes(this.base + offset, this.byteLength)).toString())!.canonical;
  }

  /** A random offset among those that may be handed out (the network must not be empty). */
  randomOffset(): bigint {
    return this.first + randomBelow(this.size);
  }

  /** `address` (canonical text) in CIDR form with this network's prefix length. */
  cidrOf(address: string): string {
    return `${address}/${this.bits}`;
  }
}

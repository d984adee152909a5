// The Kubernetes CEL IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library ip.go,
// cidr.go): isIP, isCIDR, ip(), cidr(), ip.isCanonical() and the member functions of the
// net.IP and net.CIDR types. The types are opaque messages named as in Kubernetes
// (`type(ip('::1')) == net.IP`) whose one field holds the canonical text, which makes
// CEL's message equality the address (or prefix) equality Kubernetes defines.
import { celError, celFunc, celMethod, CelScalar, objectType, type CelFunc } from '@bufbuild/cel';
import { create, createFileRegistry, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';
import { goQuote } from '../../meta/go-format.js';
import {
  formatPrefix,
  isIPv4Mapped,
  maskedPrefix,
  parseAddress,
  parsePrefix,
  prefixContainsAddress,
  prefixContainsPrefix,
  type IPAddress,
  type IPPrefix,
} from '../../net/ip.js';

const { BOOL, INT, STRING } = CelScalar;

const TEXT_FIELD = { name: 'text', number: 1, type: 9 /* string */, label: 1 /* optional */, jsonName: 'text' };

export const netTypesRegistry: Registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'kubernetes/cel/net.proto',
    package: 'net',
    syntax: 'proto3',
    messageType: [
      { name: 'IP', field: [TEXT_FIELD] },
      { name: 'CIDR', field: [TEXT_FIELD] },
    ],
  }),
  () => undefined,
);

const IP_DESC: DescMessage = netTypesRegistry.getMessage('net.IP')!;
const CIDR_DESC: DescMessage = netTypesRegistry.getMessage('net.CIDR')!;
const IP = objectType(IP_DESC);
const CIDR = objectType(CIDR_DESC);

// Kubernetes refuses IPv4-mapped IPv6 addresses everywhere its CEL library parses one.
function kubernetesAddress(text: string): IPAddress | undefined {
  const address = parseAddress(text);
  return address && !isIPv4Mapped(address.bytes) ? address : undefined;
}

function kubernetesPrefix(text: string): IPPrefix | undefined {
  const prefix = parsePrefix(text);
  return prefix && !isIPv4Mapped(prefix.address.bytes) ? prefix : undefined;
}

function requireAddress(text: string): IPAddress {
  const address = kubernetesAddress(text);
  if (!address) throw celError(`IP Address ${goQuote(text)} parse error during conversion from string`);
  return address;
}

function requirePrefix(text: string): IPPrefix {
  const prefix = kubernetesPrefix(text);
  if (!prefix) throw celError(`network address ${goQuote(text)} parse error during conversion from string`);
  return prefix;
}

const textOf = (value: ReflectMessage): string => (value.message as unknown as { text: string }).text;
const addressOf = (value: ReflectMessage): IPAddress => parseAddress(textOf(value))!;
const prefixOf = (value: ReflectMessage): IPPrefix => parsePrefix(textOf(value))!;
const ipValue = (address: IPAddress) => create(IP_DESC, { text: address.canonical });
const cidrValue = (prefix: IPPrefix) => create(CIDR_DESC, { text: formatPrefix(prefix) });

// Address classes as Go's netip defines them (no IPv4-mapped address gets this far).
const firstWord = (a: IPAddress) => (a.bytes[0]! << 8) | a.bytes[1]!;
const isUnspecified = (a: IPAddress) => a.bytes.every((b) => b === 0);
const isLoopback = (a: IPAddress) => (a.family === 4 ? a.bytes[0] === 127 : a.bytes.slice(0, 15).every((b) => b === 0) && a.bytes[15] === 1);
const isMulticast = (a: IPAddress) => (a.family === 4 ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff);
const isLinkLocalMulticast = (a: IPAddress) =>
  a.family === 4 ? a.bytes[0] === 224 && a.bytes[1] === 0 && a.bytes[2] === 0 : (firstWord(a) & 0xff0f) === 0xff02;
const isLinkLocalUnicast = (a: IPAddress) =>
  a.family === 4 ? a.bytes[0] === 169 && a.bytes[1] === 254 : (firstWord(a) & 0xffc0) === 0xfe80;
const isBroadcast = (a: IPAddress) => a.family === 4 && a.bytes.every((b) => b === 255);
const isGlobalUnicast = (a: IPAddress) =>
  !isUnspecified(a) && !isBroadcast(a) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);

export const ipLibrary: CelFunc[] = [
  celFunc('isIP', [STRING], BOOL, (text) => kubernetesAddress(text) !== undefined),
  celFunc('ip', [STRING], IP, (text) => ipValue(requireAddress(text))),
  celFunc('ip.isCanonical', [STRING], BOOL, (text) => requireAddress(text).canonical === text),
  celFunc('string', [IP], STRING, (ip) => textOf(ip)),
  celMethod('family', IP, [], INT, function () {
    return BigInt(addressOf(this).family);
  }),
  celMethod('isUnspecified', IP, [], BOOL, function () {
    return isUnspecified(addressOf(this));
  }),
  celMethod('isLoopback', IP, [], BOOL, function () {
    return isLoopback(addressOf(this));
  }),
  celMethod('isLinkLocalMulticast', IP, [], BOOL, function () {
    return isLinkLocalMulticast(addressOf(this));
  }),
  celMethod('isLinkLocalUnicast', IP, [], BOOL, function () {
    return isLinkLocalUnicast(addressOf(this));
  }),
  celMethod('isGlobalUnicast', IP, [], BOOL, function () {
    return isGlobalUnicast(addressOf(this));
  }),

  celFunc('isCIDR', [STRING], BOOL, (text) => kubernetesPrefix(text) !== undefined),
  celFunc('cidr', [STRING], CIDR, (text) => cidrValue(requirePrefix(text))),
  celFunc('string', [CIDR], STRING, (cidr) => textOf(cidr)),
  celMethod('containsIP', CIDR, [IP], BOOL, function (ip) {
    return prefixContainsAddress(prefixOf(this), addressOf(ip));
  }),
  celMethod('containsIP', CIDR, [STRING], BOOL, function (text) {
    return prefixContainsAddress(prefixOf(this), requireAddress(text));
  }),
  celMethod('containsCIDR', CIDR, [CIDR], BOOL, function (other) {
    return prefixContainsPrefix(prefixOf(this), prefixOf(other));
  }),
  celMethod('containsCIDR', CIDR, [STRING], BOOL, function (text) {
    return prefixContainsPrefix(prefixOf(this), requirePrefix(text));
  }),
  celMethod('ip', CIDR, [], IP, function () {
    return ipValue(prefixOf(this).address);
  }),
  celMethod('masked', CIDR, [], CIDR, function () {
    return cidrValue(maskedPrefix(prefixOf(this)));
  }),
  celMethod('prefixLength', CIDR, [], INT, function () {
    return BigInt(prefixOf(this).bits);
  }),
];

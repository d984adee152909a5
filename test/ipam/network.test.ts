import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/net/ip.js';
import { Network } from '../../src/ipam/network.js';

const net = (text: string) => Network.parse(text)!;

describe('a VPC network as IPAM sees it', () => {
  it('counts the addresses it may hand out', () => {
    expect(net('10.20.0.0/29').size).toBe(5n);
    expect(net('10.20.0.0/24').size).toBe(253n);
    expect(net('10.20.0.0/30').size).toBe(1n);
    expect(net('10.20.0.0/31').size).toBe(0n);
    expect(net('10.20.0.0/32').size).toBe(0n);
    expect(net('fd00::/64').size).toBe(2n ** 64n - 1n);
    expect(net('fd00::/127').size).toBe(1n);
    expect(net('fd00::/128').size).toBe(0n);
  });

  it('names the reserved addresses and what they are', () => {
    const role = (network: string, address: string) => net(network).reservedRole(parseAddress(address)!);
    expect(role('10.20.0.0/24', '10.20.0.0')).toBe('the network address');
    expect(role('10.20.0.0/24', '10.20.0.1')).toBe('the gateway address');
    expect(role('10.20.0.0/24', '10.20.0.255')).toBe('the broadcast address');
    expect(role('10.20.0.0/24', '10.20.0.2')).toBeUndefined();
    expect(role('fd00:20::/64', 'fd00:20::')).toBe('the subnet-router anycast address');
    expect(role('fd00:20::/64', 'fd00:20::1')).toBeUndefined();
  });

  it('reads networks written with host bits as the network they lie in', () => {
    expect(net('10.20.0.77/24').cidr).toBe('10.20.0.0/24');
    expect(net('FD00:20:0::1/64').cidr).toBe('fd00:20::/64');
    expect(Network.parse('10.20.0.0')).toBeUndefined();
  });

  it('names addresses in the canonical text that is their storage key', () => {
    expect(net('10.20.0.0/24').addressAt(9n)).toBe('10.20.0.9');
    expect(net('fd00:20::/64').addressAt(0xan)).toBe('fd00:20::a');
    // RFC 5952: the longest run of zeros is shortened, the first of equally long ones.
    expect(net('2001:db8::/32').addressAt((1n << 64n) + 1n)).toBe('2001:db8:0:1::1');
    expect(net('2001:db8::/32').addressAt((1n << 48n) + 1n)).toBe('2001:db8::1:0:0:1');
  });

  it('picks random offsets only among the addresses it may hand out', () => {
    const small = net('10.20.0.0/29');
    const seen = new Set<bigint>();
    for (let i = 0; i < 500; i++) seen.add(small.randomOffset());
    expect([...seen].sort()).toEqual([2n, 3n, 4n, 5n, 6n]);
    const wide = net('fd00::/48');
    for (let i = 0; i < 100; i++) {
      const offset = wide.randomOffset();
      expect(offset >= 1n && offset < 2n ** 80n).toBe(true);
    }
  });
});

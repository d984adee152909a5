// The commands apply sends to FRR for a change: only the difference, in an order FRR
// accepts, and nothing outside what the agent owns.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, printConfig } from '../../../src/agent/frr/config-tree.js';
import { configDelta } from '../../../src/agent/frr/delta.js';
import { isOwned } from '../../../src/agent/frr/ownership.js';
import { goldenCases } from './golden-cases.js';

const delta = (running: string, desired: string) => configDelta(parseConfig(running), parseConfig(desired), isOwned);

const BASE = `router bgp 65001
 bgp router-id 10.0.0.1
 neighbor 10.0.1.1 remote-as 65100
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.2.1 remote-as 65200
 address-family ipv4 unicast
  neighbor 10.0.1.1 activate
  neighbor 10.0.2.1 activate
  neighbor 10.0.2.1 route-map cosmos-pol_default_p_ipv4 out
  network 192.0.2.0/24
 exit-address-family
exit
route-map cosmos-pol_default_p_ipv4 permit 10
 set metric 5
exit
`;

describe('configuration delta', () => {
  it('reads back what it prints, as FRR prints it (banner, separators and all)', () => {
    for (const c of goldenCases()) {
      const text = readFileSync(c.configPath, 'utf8');
      expect(printConfig(parseConfig(text))).toBe(text);
    }
    const running = `Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.4.4\n!\n${BASE.replace(' address-family', ' !\n address-family')}!\nend\n`;
    expect(delta(running, BASE)).toEqual([]);
  });

  it('sends only an added line, inside its contexts', () => {
    expect(delta(BASE, BASE.replace('  network 192.0.2.0/24\n', '  network 192.0.2.0/24\n  network 198.51.100.0/24\n'))).toEqual([
      'router bgp 65001',
      'address-family ipv4 unicast',
      'network 198.51.100.0/24',
      'exit-address-family',
      'exit',
    ]);
  });

  it('overwrites a changed value in place rather than removing it first', () => {
    expect(delta(BASE, BASE.replace('timers 3 9', 'timers 10 30').replace('set metric 5', 'set metric 7'))).toEqual([
      'route-map cosmos-pol_default_p_ipv4 permit 10',
      'set metric 7',
      'exit',
      'router bgp 65001',
      'neighbor 10.0.1.1 timers 10 30',
      'exit',
    ]);
  });

  it('removes a neighbor’s family lines before the neighbor, and a policy after what uses it', () => {
    const without = BASE.replace(/.*10\.0\.2\.1.*\n/g, '').replace(/route-map cosmos-pol[\s\S]*$/, '');
    expect(delta(BASE, without)).toEqual([
      'router bgp 65001',
      'address-family ipv4 unicast',
      'no neighbor 10.0.2.1 activate',
      'no neighbor 10.0.2.1 route-map cosmos-pol_default_p_ipv4 out',
      'exit-address-family',
      'no neighbor 10.0.2.1 remote-as 65200',
      'exit',
      'no route-map cosmos-pol_default_p_ipv4 permit 10',
    ]);
  });

  it('adds lists before the route-maps that use them, and route-maps before the BGP instance', () => {
    const desired = `ip prefix-list cosmos-l seq 5 permit 10.0.0.0/8\nroute-map cosmos-m permit 10\n match ip address prefix-list cosmos-l\nexit\n${BASE}`.replace(
      '  network 192.0.2.0/24\n',
      '  network 192.0.2.0/24 route-map cosmos-m\n',
    );
    const commands = delta(BASE, desired);
    expect(commands.indexOf('ip prefix-list cosmos-l seq 5 permit 10.0.0.0/8')).toBeLessThan(commands.indexOf('route-map cosmos-m permit 10'));
    expect(commands.indexOf('route-map cosmos-m permit 10')).toBeLessThan(commands.indexOf('network 192.0.2.0/24 route-map cosmos-m'));
    expect(commands).not.toContain('no network 192.0.2.0/24');
  });

  it('replaces the BGP instance when the AS number changes', () => {
    expect(delta(BASE, BASE.replace('router bgp 65001', 'router bgp 65002')).slice(0, 3)).toEqual(['no router bgp 65001', 'router bgp 65002', 'bgp router-id 10.0.0.1']);
  });

  it('empties an address family line by line: FRR has no `no address-family`', () => {
    const running = 'router bgp 65001\n address-family ipv6 unicast\n  network 2001:db8::/32\n exit-address-family\nexit\n';
    expect(delta(running, 'router bgp 65001\nexit\n')).toEqual(['router bgp 65001', 'address-family ipv6 unicast', 'no network 2001:db8::/32', 'exit-address-family', 'exit']);
  });

  it('never touches configuration it does not own', () => {
    const foreign = [
      'ip prefix-list operator seq 5 permit 10.0.0.0/8',
      'route-map operator permit 10',
      ' set metric 1',
      'exit',
      'router bgp 65001 vrf tenant',
      ' neighbor 10.9.9.9 remote-as 1',
      'exit',
      'interface eth0',
      ' description uplink',
      'exit',
      'bfd',
      ' profile operator',
      '  detect-multiplier 7',
      ' exit',
      ' profile cosmos-bfd_5x_rx300_tx300',
      '  detect-multiplier 5',
      ' exit',
      'exit',
      'ip route 203.0.113.0/24 blackhole',
    ].join('\n');
    expect(delta(`${BASE}${foreign}\n`, '')).toEqual([
      'no router bgp 65001',
      'no route-map cosmos-pol_default_p_ipv4 permit 10',
      'bfd',
      'no profile cosmos-bfd_5x_rx300_tx300',
      'exit',
    ]);
  });
});

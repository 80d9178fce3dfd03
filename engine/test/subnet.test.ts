import { describe, expect, it } from 'vitest';
import { addressKeyOf, ipv6Groups, subnetOf } from '../src/door/subnet.js';

describe('subnetOf', () => {
  it('keys an IPv4 address by its /24', () => {
    expect(subnetOf('203.0.113.7')).toBe('203.0.113.0/24');
    expect(subnetOf('203.0.113.250')).toBe(subnetOf('203.0.113.1'));
    expect(subnetOf('203.0.114.1')).not.toBe(subnetOf('203.0.113.1'));
  });

  it('keys an IPv6 address by its /56, whatever its spelling', () => {
    expect(subnetOf('2001:db8:0:ab12::1')).toBe('2001:db8:0:ab00::/56');
    expect(subnetOf('2001:0DB8:0000:AB34:1:2:3:4')).toBe('2001:db8:0:ab00::/56');
    expect(subnetOf('2001:db8:0:ac00::1')).not.toBe(subnetOf('2001:db8:0:ab00::1'));
    expect(subnetOf('::1')).toBe('0:0:0:0::/56');
    expect(subnetOf('fe80::1%eth0')).toBe('fe80:0:0:0::/56');
  });

  it('keeps anything that is not an address as its own key', () => {
    expect(subnetOf('not-an-address')).toBe('not-an-address');
    expect(subnetOf('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
  });
});

describe('addressKeyOf', () => {
  it('keys an IPv4 address by itself and an IPv6 address by its /64', () => {
    expect(addressKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKeyOf('2001:db8:0:ab12::1')).toBe('2001:db8:0:ab12::/64');
    expect(addressKeyOf('2001:db8:0:ab12:ffff:1:2:3')).toBe(addressKeyOf('2001:db8:0:ab12::1'));
    expect(addressKeyOf('2001:db8:0:ab13::1')).not.toBe(addressKeyOf('2001:db8:0:ab12::1'));
    expect(addressKeyOf('not-an-address')).toBe('not-an-address');
  });
});

describe('ipv6Groups', () => {
  it('expands :: and an embedded IPv4 tail', () => {
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(ipv6Groups('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses what is not IPv6', () => {
    for (const bad of ['1.2.3.4', '1::2::3', 'g::1', '::1.2.3.256', '1:2:3:4:5:6:7']) expect(ipv6Groups(bad)).toBeUndefined();
  });
});

/** The one address every real fan behind the shared NAT joins from (TEST-NET-1). */
export const NAT_ADDRESS = '192.0.2.10';

/**
 * A real fan's own address: spread by a hash of the fan's number over
 * 100 × 65,536 /24s outside the farm's 10/8 and the NAT's TEST-NET-1, so
 * fans share a subnet only now and then, as households do. Computed, not
 * stored: five million fans cost nothing.
 */
export function ownAddressOf(fan: number): string {
  let h = Math.imul(fan ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  const a = 100 + (Math.floor(h / 2 ** 24) % 100);
  return `${a}.${(h >>> 16) & 0xff}.${(h >>> 8) & 0xff}.${1 + ((fan >>> 0) % 254)}`;
}

/**
 * The keys the door counts a client address under. Its subnet: the /24 of an
 * IPv4 address, the /56 of an IPv6 address (what one home or campus line is
 * usually given). The address itself: an IPv4 address, or the /64 of an IPv6
 * address, since one IPv6 host is given a whole /64 and can take a fresh
 * address from it for every request. Anything that is not an address counts
 * as its own key.
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The key of the subnet of `address`, e.g. `203.0.113.0/24` or `2001:db8:0:ab00::/56`. */
export function subnetOf(address: string): string {
  const v4 = IPV4.exec(address);
  if (v4 !== null) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const groups = ipv6Groups(address);
  if (groups === undefined) return address;
  // 56 bits: three whole groups and the high byte of the fourth.
  const fourth = (groups[3]! & 0xff00).toString(16);
  return `${groups.slice(0, 3).map((g) => g.toString(16)).join(':')}:${fourth}::/56`;
}

/** The key of the address as one client, e.g. `203.0.113.7` or `2001:db8:0:ab12::/64`. */
export function addressKeyOf(address: string): string {
  const groups = ipv6Groups(address);
  if (groups === undefined) return address;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address in text form, or undefined when it is not one. */
export function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(':')) return undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - rest.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

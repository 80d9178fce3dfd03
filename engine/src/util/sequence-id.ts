/**
 * Grant and hold ids are a letter and a sequence number (`g17`, `h42`), so
 * records can live in arrays indexed by that number: no string hashing on the
 * hot path, and a foreign or malformed id simply finds nothing.
 */
export function sequenceId(prefix: string, sequence: number): string {
  return `${prefix}${sequence}`;
}

/** The id of the `index`-th grant of an `admitted` or `called` entry (its grants are numbered from `firstGrant`). */
export function grantIdOf(firstGrant: number, index: number): string {
  return sequenceId('g', firstGrant + index);
}

/** The sequence number of an id with this prefix, or -1 if it is not one. */
export function sequenceOf(id: string, prefix: string): number {
  if (id.length < 2 || id.length > 16 || id.charCodeAt(0) !== prefix.charCodeAt(0)) return -1;
  let n = 0;
  for (let i = 1; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || (digit === 0 && i === 1)) return -1;
    n = n * 10 + digit;
  }
  return n;
}

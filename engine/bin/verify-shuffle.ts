/**
 * Verifies a published draw: the file GET /api/public/events/{id}/draw
 * returns (a later phase's: /draws/phase:<id>; the registration draw's:
 * /draws/registration), as it is.
 *
 *   npm run verify-shuffle -- proof.json
 *   npm run verify-shuffle -- proof.json --receipt <32 hex> --fan <fan id>
 *
 * Checks the commitment against the seed, the entries against their digest,
 * and recomputes the order from the seed, the entries and the beacon value
 * (docs/fairness.md is the specification). With the receipt a join gave a
 * fan, and its fan id, it also prints that fan's place. The beacon's value
 * itself is checked against its source (e.g. the drand round) by hand: this
 * command never uses the network.
 *
 * Exit codes: 0 verified, 1 not verified (or the file is unreadable or not a
 * proof, or the receipt finds no entry), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { placeIn, verifyDrawProof, type DrawProof } from '../src/fairness/draw-proof.js';

const USAGE = 'usage: npm run verify-shuffle -- proof.json [--receipt <32 hex characters> --fan <fan id>]\n';

function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv[0] === '--' ? argv.slice(1) : [...argv], options: { receipt: { type: 'string' }, fan: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || values.help === true || (values.receipt === undefined) !== (values.fan === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = positionals[0]!;

  let proof: unknown;
  try {
    proof = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`FAILED: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  // verifyDrawProof checks the shape itself and reports a malformed proof as a failure.
  const result = verifyDrawProof(proof);
  if (!result.ok) {
    const where = result.firstMismatchAt === undefined ? '' : ` (first mismatch at position ${result.firstMismatchAt})`;
    process.stderr.write(`FAILED: ${result.reason}${where}\n`);
    return 1;
  }
  const draw = proof as DrawProof;
  const beacon = draw.beacon === null ? 'no beacon' : draw.beacon.value === null ? `beacon ${draw.beacon.name} round ${draw.beacon.round} NOT supplied: drawn without it` : `beacon ${draw.beacon.name} round ${draw.beacon.round} = ${draw.beacon.value} (check it at its source)`;
  process.stdout.write(`OK: ${result.count} entries, order verified (${beacon})\n`);
  if (values.receipt === undefined) return 0;
  let place;
  try {
    place = placeIn(draw, values.receipt, values.fan!);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (place === undefined) {
    process.stderr.write('FAILED: no entry has the pseudonym of this receipt and fan id\n');
    return 1;
  }
  if (draw.invitations === undefined) process.stdout.write(`Your place: number ${place.number} (join number ${place.joinNumber})\n`);
  else {
    // A registration draw: the place is a rank, and the first `invitations` ranks were invited.
    const outcome = place.number <= draw.invitations ? 'invited by the draw' : `waitlist position ${place.number - draw.invitations} at the draw`;
    process.stdout.write(`Your place: rank ${place.number} of ${result.count}, ${outcome} (registration number ${place.joinNumber})\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));

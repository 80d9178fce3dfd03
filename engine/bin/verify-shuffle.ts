/**
 * Verifies a published draw: a sale phase's pre-queue and start window,
 * shuffled together when the window closes.
 *
 *   npm run verify-shuffle -- proof.json
 *
 * proof.json holds {"commitment", "seed", "entries", "order"}: the commitment
 * published when the pre-queue opened (the event status's `commitment`, or the
 * `commitment` of the draw's entry in `draws`: `preQueue` for the first phase,
 * `phase:<id>` for a later one), the seed the draw revealed (at the on-sale
 * time + `door.startWindowMs`), the entries it drew (fan ids in join order:
 * the pre-queue's, then the window's) and the order Breakwater used. The
 * algorithm is specified in engine/src/fairness/shuffle.ts.
 *
 * Exit codes: 0 verified, 1 not verified (or the file is unreadable or not a
 * proof), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { verifyShuffle, type ShuffleProof } from '../src/fairness/shuffle.js';

function main(argv: readonly string[]): number {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write('usage: npm run verify-shuffle -- proof.json\n');
    return 2;
  }
  const file = args[0]!;

  let proof: unknown;
  try {
    proof = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`FAILED: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  // verifyShuffle checks the shape itself and reports a malformed proof as a failure.
  const result = verifyShuffle(proof as ShuffleProof);
  if (result.ok) {
    process.stdout.write(`OK: ${(proof as ShuffleProof).entries.length} entries, order verified\n`);
    return 0;
  }
  const where = result.firstMismatchAt === undefined ? '' : ` (first mismatch at position ${result.firstMismatchAt})`;
  process.stderr.write(`FAILED: ${result.reason}${where}\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));

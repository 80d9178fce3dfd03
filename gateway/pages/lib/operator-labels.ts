/** What the dashboard says instead of the engine's and the gateway's codes. */

const PHASES: Record<string, string> = {
  draft: 'draft', scheduled: 'scheduled', preQueue: 'waiting room', onSale: 'on sale', paused: 'paused', soldOut: 'sold out', closed: 'closed',
};

/** Why a gateway process refused something (gateway/src/metrics/gateway-metrics.ts RejectReason). */
const REJECTED: Record<string, string> = {
  badFrame: 'unreadable frames',
  tooBig: 'frames too large',
  unknownType: 'unknown messages',
  malformed: 'malformed messages',
  rateLimited: 'messages over the per-connection rate',
  floodClosed: 'connections closed for flooding',
  tooManyConnections: 'connections over an address or subnet budget',
  joinRateLimited: 'joins over an address or subnet budget',
  protocolVersion: 'clients on an old protocol',
  unauthorized: 'wrong API key',
  httpRateLimited: 'HTTP requests over the per-address rate',
  powRequired: 'joins without enough proof of work',
  tokenInvalid: 'invalid queue tokens',
  identityRefused: 'identities refused',
  backpressureClosed: 'connections closed: too slow to read',
  engineUnavailable: 'requests failed: engine unreachable',
};

export const phaseLabel = (phase: string): string => PHASES[phase] ?? phase;

export const rejectedLabel = (reason: string): string => REJECTED[reason] ?? reason;

/** A draw's name: `preQueue`, or `phase:<id>` for a later sale phase's. */
export function drawLabel(draw: string): string {
  if (draw === 'preQueue') return 'the waiting-room draw';
  return draw.startsWith('phase:') ? `the draw of sale phase “${draw.slice('phase:'.length)}”` : `the ${draw} draw`;
}

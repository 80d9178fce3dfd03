/** WebSocket close codes the gateway uses (besides the standard 1000/1001/1006/1009). Browser-safe. */
export const CLOSE_CODES = {
  /** The server is shutting down or restarting: reconnect with the queue token. */
  GOING_AWAY: 1001,
  /**
   * A frame was larger than the limit (after an error frame PAYLOAD_TOO_LARGE). A frame
   * more than 4× the limit is cut off by the server without a close frame: the client sees 1006.
   */
  TOO_BIG: 1009,
  /** The client speaks another protocol version. */
  PROTOCOL_VERSION: 4000,
  /** The fan resumed the place on another connection. */
  SESSION_REPLACED: 4001,
  /** A message for this fan could not be delivered (the client reads too slowly): reconnect to resynchronize. */
  BACKPRESSURE: 4013,
  /** The client kept flooding after being told it was rate limited. */
  RATE_LIMITED: 4029,
} as const;

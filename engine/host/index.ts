/**
 * The engine host's public entry for the gateway: the event settings model
 * the organizer API edits and the fan page reads, the read models' CSV, and
 * the webhook signature the host's notifier and the payment providers share,
 * and the Redis connection and key prefix of a cluster (the gateway's access
 * store keeps its keys beside the events').
 * The gateway reaches the engine through this, the core's engine/src/index.ts
 * and engine/link/ only (engine/test/import-boundaries.test.ts).
 */
export { applySettingsPatch, channelNames, DEFAULT_EVENT_SETTINGS, type EventSettings } from './event-settings.js';
export { brandingForOrganizer, MAX_LOGO_BYTES, publicBranding } from './branding.js';
export { algorithmOf, verifiesIdentities, type IdentitySettings, type KeyAlgorithm } from './identity-settings.js';
export { ordersCsv, type OrderQuery, type OrderView } from './order-book.js';
export { reconciliationCsv } from './reconciliation.js';
export { csvField } from './csv.js';
export { webPushFromEnv, type WebPushSettings } from './notify/web-push-config.js';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './notify/webhook-signature.js';
export { connectRedis } from '../stores/redis/redis-connection.js';
export { DEFAULT_PREFIX } from '../stores/redis/keys.js';

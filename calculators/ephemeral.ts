/**
 * Ephemeral traffic and offline notifications: typing and read receipts ride the same bus and the same
 * fan-out as messages without being stored, and in real chat products often outnumber them; a plan
 * that leaves them out undersizes the fleet. Notification records come from messages to users with no
 * live session.
 */

/** typing events per second = peak messages per second × typing events per message (after the gateway's coalescing) */
export function typingPerSec(peakMsgsPerSec: number, typingPerMsg: number): number {
  return peakMsgsPerSec * typingPerMsg;
}

/**
 * read receipts per second = peak messages per second × (mean members − 1) × receipts per delivery: a
 * receipt covers every message read at once, so receipts per delivery is below 1
 */
export function receiptsPerSec(peakMsgsPerSec: number, meanMembers: number, receiptsPerDelivery: number): number {
  return peakMsgsPerSec * Math.max(0, meanMembers - 1) * receiptsPerDelivery;
}

/**
 * ephemeral fan-out writes per second = (typing/s + receipts/s) × (mean members − 1). Receipts grow with
 * the square of a room's size (each member's receipt goes to every other member): why large groups
 * often turn them off
 */
export function ephemeralWritesPerSec(typingPerSecond: number, receiptsPerSecond: number, meanMembers: number): number {
  return (typingPerSecond + receiptsPerSecond) * Math.max(0, meanMembers - 1);
}

/** share of all fan-out writes that are ephemeral = ephemeral writes / (message writes + ephemeral writes) */
export function ephemeralShare(messageWritesPerSec: number, ephemeralWrites: number): number {
  const all = messageWritesPerSec + ephemeralWrites;
  return all > 0 ? ephemeralWrites / all : 0;
}

/**
 * notification records per second = peak messages per second × (share of messages that are DMs +
 * mentions per message) × share of recipients offline at peak: one record per (message, offline user)
 */
export function notificationsPerSec(peakMsgsPerSec: number, dmShare: number, mentionsPerMsg: number, offlineShare: number): number {
  return peakMsgsPerSec * (dmShare + mentionsPerMsg) * offlineShare;
}

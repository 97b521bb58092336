/** Traffic from daily users: messages per day and per second, and stored bytes. */
import { SECONDS_PER_DAY } from './units.js';

/** messages per day = daily users × messages per user per day */
export function msgsPerDay(dailyUsers: number, msgsPerUserPerDay: number): number {
  return dailyUsers * msgsPerUserPerDay;
}

/** average messages per second = messages per day / 86,400 */
export function avgMsgsPerSec(dailyUsers: number, msgsPerUserPerDay: number): number {
  return msgsPerDay(dailyUsers, msgsPerUserPerDay) / SECONDS_PER_DAY;
}

/** peak messages per second = average × peak factor */
export function peakMsgsPerSec(dailyUsers: number, msgsPerUserPerDay: number, peakFactor: number): number {
  return avgMsgsPerSec(dailyUsers, msgsPerUserPerDay) * peakFactor;
}

/** stored bytes per day = messages per day × bytes per stored message */
export function storedBytesPerDay(dailyUsers: number, msgsPerUserPerDay: number, bytesPerMsg: number): number {
  return msgsPerDay(dailyUsers, msgsPerUserPerDay) * bytesPerMsg;
}

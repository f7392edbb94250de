/**
 * Job ids that sort by creation time: `job_` + 10 characters of milliseconds + 16 random
 * characters, in Crockford base32 (lowercase). Listing newest-first is then a reverse
 * lexicographic scan, and a cursor is just the last id seen.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const JOB_ID_PATTERN = /^job_[0-9a-hjkmnp-tv-z]{26}$/;

/** The part of a job id that encodes its creation time: every job created before `ms` sorts below it. */
export function jobIdTimePrefix(ms: number): string {
  let time = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return `job_${time}`;
}

/** Random bytes for ids, filled 4 KiB at a time (one call into the CSPRNG per 256 ids, not per id). */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

export function newJobId(now = Date.now()): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let random = '';
  for (let i = poolOffset; i < poolOffset + 16; i++) random += ALPHABET[pool[i] % 32];
  poolOffset += 16;
  return `${jobIdTimePrefix(now)}${random}`;
}

export const DATASET_ID_PATTERN = /^ds_[0-9a-hjkmnp-tv-z]{26}$/;

/** Dataset ids: the same time-sortable scheme as job ids, with the prefix `ds_`. */
export function newDatasetId(now = Date.now()): string {
  return `ds_${newJobId(now).slice('job_'.length)}`;
}

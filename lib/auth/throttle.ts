import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  type RateLimiterRes,
} from "rate-limiter-flexible";
import { type Database, getDatabase } from "../db/client";

/**
 * Throttling of guesses: wrong passwords per account and client address, per address and per
 * account; wrong API keys per address. Counters live in memory on the embedded database (one
 * process serves it), and in PostgreSQL (table rate_limit) when several instances share a
 * database, so that every instance counts together.
 *
 * Every attempt takes a point before it is checked, so concurrent guesses get no more checks
 * than sequential ones; a right password gives its point back.
 *
 * `lock` rules: after `points` failures within `windowS`, the key is locked for `firstLockS`;
 * each further lock within a day lasts twice as long as the one before (up to `maxLockS`). A
 * lock that has expired leaves a fresh allowance, so the right password then works.
 * `slow` rules never refuse: past `points`, each attempt waits `firstLockS` seconds more than
 * the one before (up to `maxLockS`) before it is checked.
 */
export interface ThrottleRule {
  prefix: string;
  points: number;
  windowS: number;
  firstLockS: number;
  maxLockS: number;
  mode?: "lock" | "slow";
}

export const RULES = {
  /**
   * Per account and address: the hard lock. A stranger guessing an operator's password locks
   * out only themselves; the operator, from their own address, still gets in.
   */
  signInPair: { prefix: "signin_pair", points: 5, windowS: 15 * 60, firstLockS: 60, maxLockS: 3600 },
  /** Per account (email, known or not), from every address: slowed down, never locked. */
  signInAccount: {
    prefix: "signin_account",
    points: 5,
    windowS: 15 * 60,
    firstLockS: 1,
    maxLockS: 10,
    mode: "slow",
  },
  /** Per client address, across accounts: many people may share one address. */
  signInAddress: { prefix: "signin_address", points: 20, windowS: 15 * 60, firstLockS: 60, maxLockS: 3600 },
  /** Wrong API keys per client address (a valid key is never refused for its address). */
  apiKeyAddress: { prefix: "api_key_address", points: 20, windowS: 60, firstLockS: 60, maxLockS: 3600 },
} satisfies Record<string, ThrottleRule>;

/** A point taken for one attempt: whether it may be checked now, and what it has used. */
export interface Taken {
  /** Milliseconds the attempt is refused for (0: it may be checked). */
  refusedMs: number;
  /** Milliseconds it must wait before it is checked (slow rules). */
  waitMs: number;
  consumed: number;
}

export class Throttle {
  constructor(
    readonly rule: ThrottleRule,
    private readonly failures: RateLimiterAbstract,
    private readonly locks: RateLimiterAbstract,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now (without taking a point). */
  async lockedFor(key: string): Promise<number> {
    const res = await this.failures.get(key);
    return res && res.consumedPoints > this.rule.points ? Math.max(1, res.msBeforeNext) : 0;
  }

  /** Takes a point for an attempt about to be checked (before it is: concurrent attempts count). */
  async take(key: string): Promise<Taken> {
    let res: RateLimiterRes;
    let over = false;
    try {
      res = await this.failures.consume(key);
    } catch (rejected) {
      if (rejected instanceof Error) throw rejected;
      res = rejected as RateLimiterRes;
      over = true;
    }
    const consumed = res.consumedPoints;
    if (this.rule.mode === "slow") {
      const excess = consumed - this.rule.points;
      const waitMs = excess > 0 ? Math.min(this.rule.maxLockS, this.rule.firstLockS * excess) * 1000 : 0;
      return { refusedMs: 0, waitMs, consumed };
    }
    return { refusedMs: over ? Math.max(1, res.msBeforeNext) : 0, waitMs: 0, consumed };
  }

  /** The attempt `taken` was for failed: the last allowed one locks the key. Returns the lock's length (0: none). */
  async failed(key: string, taken: Taken): Promise<number> {
    if (this.rule.mode === "slow" || taken.consumed < this.rule.points) return 0;
    let lockNumber = 1;
    try {
      lockNumber = (await this.locks.consume(key)).consumedPoints;
    } catch (rejected) {
      if (rejected instanceof Error) throw rejected;
      lockNumber = (rejected as RateLimiterRes).consumedPoints;
    }
    const seconds = Math.min(this.rule.maxLockS, this.rule.firstLockS * 2 ** Math.min(lockNumber - 1, 20));
    await this.failures.block(key, seconds);
    return seconds * 1000;
  }

  /** Gives back the point an attempt took (it was right, or it was never checked). */
  async refund(key: string): Promise<void> {
    await this.failures.reward(key, 1);
  }

  /** Counts a failure without a point taken first (wrong API keys); returns how long `key` is now locked. */
  async fail(key: string): Promise<number> {
    const taken = await this.take(key);
    return taken.refusedMs > 0 ? taken.refusedMs : this.failed(key, taken);
  }

  /** Forgets `key`'s failures and locks (a successful sign-in). */
  async reset(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.locks.delete(key)]);
  }
}

export function createThrottle(rule: ThrottleRule, database?: Pick<Database, "kind" | "pool">): Throttle {
  const options = (prefix: string, points: number, duration: number) => ({ keyPrefix: prefix, points, duration });
  const failures = options(rule.prefix, rule.points, rule.windowS);
  const locks = options(`${rule.prefix}_locks`, 1_000_000, 24 * 3600);
  if (database?.kind === "postgres" && database.pool) {
    const store = { storeClient: database.pool, storeType: "pool", tableName: "rate_limit", tableCreated: true };
    return new Throttle(
      rule,
      new RateLimiterPostgres({ ...store, ...failures, clearExpiredByTimeout: true }),
      new RateLimiterPostgres({ ...store, ...locks }),
    );
  }
  return new Throttle(rule, new RateLimiterMemory(failures), new RateLimiterMemory(locks));
}

type Throttles = Record<keyof typeof RULES, Throttle>;
const THROTTLES = Symbol.for("tapdesk.throttles");
type Holder = { [THROTTLES]?: WeakMap<Database, Throttles> };

/** The process's throttles, on the process's database. */
export async function throttles(): Promise<Throttles> {
  const database = await getDatabase();
  const holder = globalThis as Holder;
  holder[THROTTLES] ??= new WeakMap();
  let found = holder[THROTTLES].get(database);
  if (!found) {
    found = {
      signInPair: createThrottle(RULES.signInPair, database),
      signInAccount: createThrottle(RULES.signInAccount, database),
      signInAddress: createThrottle(RULES.signInAddress, database),
      apiKeyAddress: createThrottle(RULES.apiKeyAddress, database),
    };
    holder[THROTTLES].set(database, found);
  }
  return found;
}

/** The header scripts/start.mjs sets from the connection, replacing any a client sent. */
export const CLIENT_ADDRESS_HEADER = "x-tapdesk-client-address";

export function clientAddress(headers: Headers): string {
  return headers.get(CLIENT_ADDRESS_HEADER) || "unknown";
}

/** "Try again in 3 minutes (at 22:41 UTC)." */
export function tryAgainSentence(ms: number, now = new Date()): string {
  const seconds = Math.ceil(ms / 1000);
  const wait =
    seconds < 60
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}`;
  const at = new Date(now.getTime() + seconds * 1000).toISOString().slice(11, 16);
  return `Try again in ${wait} (at ${at} UTC).`;
}

export type SignInOutcome = { ok: true } | { ok: false; error: string };

/** A password check under the throttles: refused (with how long), wrong, or right. */
export type CheckOutcome = { ok: true } | { ok: false; checked: boolean; lockedMs: number };

type PasswordLimits = Pick<Throttles, "signInPair" | "signInAccount" | "signInAddress">;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One password check (a sign-in, or the current password of a password change) under the
 * throttles. A point is taken from each before the password is checked, so concurrent guesses
 * get no more checks than sequential ones. Refused while the account is locked for this
 * address, or the address is locked (even with the right password); slowed down when the
 * account has many failures from anywhere; the points are given back when it is right.
 */
export async function throttledCheck(
  email: string,
  address: string,
  verify: () => Promise<boolean>,
  limits?: PasswordLimits,
): Promise<CheckOutcome> {
  const { signInPair, signInAccount, signInAddress } = limits ?? (await throttles());
  const account = email.trim().toLowerCase();
  const pairKey = `${account} ${address}`;
  const [pair, byAddress] = await Promise.all([signInPair.take(pairKey), signInAddress.take(address)]);
  const refusedMs = Math.max(pair.refusedMs, byAddress.refusedMs);
  if (refusedMs > 0) {
    // Never checked: only the throttle that refused keeps the point.
    await Promise.all([
      pair.refusedMs === 0 ? signInPair.refund(pairKey) : null,
      byAddress.refusedMs === 0 ? signInAddress.refund(address) : null,
    ]);
    return { ok: false, checked: false, lockedMs: refusedMs };
  }
  const byAccount = await signInAccount.take(account);
  if (byAccount.waitMs > 0) await sleep(byAccount.waitMs);
  if (await verify()) {
    await Promise.all([signInPair.reset(pairKey), signInAddress.refund(address), signInAccount.refund(account)]);
    return { ok: true };
  }
  const lockedMs = Math.max(await signInPair.failed(pairKey, pair), await signInAddress.failed(address, byAddress));
  return { ok: false, checked: true, lockedMs };
}

/** A sign-in attempt under the throttles, with the sentence the login page shows. */
export async function throttledSignIn(
  email: string,
  address: string,
  verify: () => Promise<boolean>,
  limits?: PasswordLimits,
): Promise<SignInOutcome> {
  const outcome = await throttledCheck(email, address, verify, limits);
  if (outcome.ok) return outcome;
  return {
    ok: false,
    error: !outcome.checked
      ? `Too many failed sign-ins. ${tryAgainSentence(outcome.lockedMs)}`
      : outcome.lockedMs > 0
        ? `That email and password don't match an operator, and that was too many failed sign-ins. ${tryAgainSentence(outcome.lockedMs)}`
        : "That email and password don't match an operator. Check them and try again.",
  };
}

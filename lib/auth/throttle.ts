import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  type RateLimiterRes,
} from "rate-limiter-flexible";
import { type Database, getDatabase } from "../db/client";

/**
 * Throttling of guesses: wrong passwords per account and per client address, wrong API keys
 * per address. Counters live in memory on the embedded database (one process serves it), and
 * in PostgreSQL (table rate_limit) when several instances share a database, so that every
 * instance counts together.
 *
 * Progressive: after `points` failures within `windowS`, the key is locked for `firstLockS`;
 * each further lock within a day lasts twice as long as the one before (up to `maxLockS`).
 * A lock that has expired leaves a fresh allowance, so the right password then works.
 */
export interface ThrottleRule {
  prefix: string;
  points: number;
  windowS: number;
  firstLockS: number;
  maxLockS: number;
}

export const RULES = {
  /** Per account (email, known or not, so the answer does not tell which exist). */
  signInAccount: { prefix: "signin_account", points: 5, windowS: 15 * 60, firstLockS: 60, maxLockS: 3600 },
  /** Per client address, across accounts: many people may share one address. */
  signInAddress: { prefix: "signin_address", points: 20, windowS: 15 * 60, firstLockS: 60, maxLockS: 3600 },
  /** Wrong API keys per client address. */
  apiKeyAddress: { prefix: "api_key_address", points: 20, windowS: 60, firstLockS: 60, maxLockS: 3600 },
} satisfies Record<string, ThrottleRule>;

export class Throttle {
  constructor(
    readonly rule: ThrottleRule,
    private readonly failures: RateLimiterAbstract,
    private readonly locks: RateLimiterAbstract,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  async lockedFor(key: string): Promise<number> {
    const res = await this.failures.get(key);
    return res && res.consumedPoints > this.rule.points ? Math.max(1, res.msBeforeNext) : 0;
  }

  /** Counts a failure; returns how long `key` is now locked (0: not locked). */
  async fail(key: string): Promise<number> {
    let res: RateLimiterRes;
    try {
      res = await this.failures.consume(key);
    } catch (rejected) {
      if (rejected instanceof Error) throw rejected;
      res = rejected as RateLimiterRes;
    }
    if (res.consumedPoints < this.rule.points) return 0;
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

/**
 * One sign-in attempt under the throttles: refused with a sentence while the account or the
 * address is locked (even with the right password), counted when the password is wrong,
 * forgotten for the account when it is right.
 */
export async function throttledSignIn(
  email: string,
  address: string,
  verify: () => Promise<boolean>,
  limits?: Pick<Throttles, "signInAccount" | "signInAddress">,
): Promise<SignInOutcome> {
  const { signInAccount, signInAddress } = limits ?? (await throttles());
  const account = email.trim().toLowerCase();
  const wait = Math.max(await signInAccount.lockedFor(account), await signInAddress.lockedFor(address));
  if (wait > 0) return { ok: false, error: `Too many failed sign-ins. ${tryAgainSentence(wait)}` };
  if (await verify()) {
    await signInAccount.reset(account);
    return { ok: true };
  }
  const locked = Math.max(await signInAccount.fail(account), await signInAddress.fail(address));
  return {
    ok: false,
    error:
      locked > 0
        ? `That email and password don't match an operator, and that was too many failed sign-ins. ${tryAgainSentence(locked)}`
        : "That email and password don't match an operator. Check them and try again.",
  };
}

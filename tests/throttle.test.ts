import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, createThrottle, RULES, type ThrottleRule, throttledSignIn } from "@/lib/auth/throttle";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quick = (rule: ThrottleRule): ThrottleRule => ({ ...rule, firstLockS: 1, maxLockS: 4 });

describe.each(BACKENDS)("sign-in throttling on %s", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(backend);
  });
  afterAll(() => t?.dispose());

  const limits = (prefix: string) => ({
    signInPair: createThrottle({ ...quick(RULES.signInPair), prefix: `${prefix}_p` }, t),
    // The per-account slowdown at a twentieth of its pace: these tests are about the locks,
    // and the real pace (1 s more per attempt) is checked on its own below.
    signInAccount: createThrottle({ ...RULES.signInAccount, firstLockS: 0.05, prefix: `${prefix}_a` }, t),
    signInAddress: createThrottle({ ...quick(RULES.signInAddress), prefix: `${prefix}_i` }, t),
  });
  const right = async () => true;
  const wrong = async () => false;

  it("locks an account for an address after 5 wrong passwords from it, says when to try again, and lets the right password in after", async () => {
    const l = limits("lock");
    for (let i = 1; i <= 4; i++) {
      expect(await throttledSignIn("Owner@Example.com", "10.0.0.1", wrong, l)).toEqual({
        ok: false,
        error: "That email and password don't match an operator. Check them and try again.",
      });
    }
    const fifth = await throttledSignIn("owner@example.com", "10.0.0.1", wrong, l);
    expect(fifth).toMatchObject({
      ok: false,
      error: expect.stringMatching(/too many failed sign-ins\. Try again in 1 second \(at \d\d:\d\d UTC\)\.$/),
    });
    // Locked for that address: even the right password is refused, and not checked.
    let verified = false;
    const locked = await throttledSignIn(" OWNER@example.com", "10.0.0.1", async () => (verified = true), l);
    expect(locked).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Too many failed sign-ins\. Try again in 1 second/),
    });
    expect(verified).toBe(false);
    // The account's owner, from another address, is not locked out.
    expect(await throttledSignIn("owner@example.com", "10.0.0.3", right, l)).toEqual({ ok: true });

    await sleep(1100);
    expect(await throttledSignIn("owner@example.com", "10.0.0.1", right, l)).toEqual({ ok: true });
    // The success forgot the account's failures: a typo afterwards is an ordinary mistake.
    expect(await throttledSignIn("owner@example.com", "10.0.0.1", wrong, l)).toMatchObject({
      error: expect.stringMatching(/Check them and try again\.$/),
    });
  });

  it("per account alone, failures from many addresses slow attempts down and never refuse them", async () => {
    const l = limits("slow");
    const account = createThrottle({ ...RULES.signInAccount, prefix: "slow_direct" }, t);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push((await account.take("spread@example.com")).waitMs);
    expect(waits).toEqual([0, 0, 0, 0, 0, 1000, 2000, 3000]);
    let checked = 0;
    const counting = async () => {
      checked += 1;
      return false;
    };
    for (let i = 0; i < 6; i++) await throttledSignIn("spread@example.com", `10.0.4.${i}`, counting, l);
    expect(checked).toBe(6);
  }, 30_000);

  it("locks progressively: each lock lasts twice as long as the one before", async () => {
    const l = limits("progressive");
    const lockOnce = async () => {
      let last = { ok: true } as Awaited<ReturnType<typeof throttledSignIn>>;
      for (let i = 0; i < 5; i++) last = await throttledSignIn("member@example.com", "10.0.1.1", wrong, l);
      return last;
    };
    expect(await lockOnce()).toMatchObject({ error: expect.stringContaining("Try again in 1 second") });
    await sleep(1100);
    expect(await lockOnce()).toMatchObject({ error: expect.stringContaining("Try again in 2 seconds") });
  });

  it("locks an address that tries many accounts", async () => {
    const l = limits("address");
    for (let i = 0; i < 19; i++) {
      expect(await throttledSignIn(`guess${i}@example.com`, "10.0.2.1", wrong, l)).toMatchObject({
        error: expect.stringMatching(/Check them and try again\.$/),
      });
    }
    expect(await throttledSignIn("guess19@example.com", "10.0.2.1", wrong, l)).toMatchObject({
      error: expect.stringContaining("too many failed sign-ins"),
    });
    expect(await throttledSignIn("someone@example.com", "10.0.2.1", right, l)).toMatchObject({
      error: expect.stringMatching(/^Too many failed sign-ins/),
    });
    // Another address is not affected.
    expect(await throttledSignIn("someone@example.com", "10.0.2.2", right, l)).toEqual({ ok: true });
  });

  if (backend === "postgres") {
    it("counts together across app instances sharing the database", async () => {
      const instanceA = limits("shared");
      const instanceB = limits("shared");
      for (let i = 0; i < 5; i++) {
        await throttledSignIn("shared@example.com", "10.0.3.1", wrong, i % 2 ? instanceA : instanceB);
      }
      expect(await throttledSignIn("shared@example.com", "10.0.3.1", right, instanceA)).toMatchObject({
        error: expect.stringMatching(/^Too many failed sign-ins/),
      });
    });
  }
});

describe.each(BACKENDS)("wrong API keys on %s", (backend) => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  const list = (key: string, address: string) =>
    w.as(key).GET("/conversations", { headers: { [CLIENT_ADDRESS_HEADER]: address } });

  it("answers 429 with Retry-After once an address has sent 20 wrong keys; other addresses are unaffected", async () => {
    for (let i = 0; i < 19; i++) expect((await list(`td_wrong_${i}`, "192.0.2.7")).response.status).toBe(401);
    const limited = await list("td_wrong_19", "192.0.2.7");
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(limited.response.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(limited.error).toMatchObject({
      code: "too_many_requests",
      detail: expect.stringContaining("Try again in 1 minute"),
    });
    // A valid key is never refused for its address (behind one proxy, every client may share it).
    expect((await list(w.key, "192.0.2.7")).response.status).toBe(200);
    expect((await list("td_wrong_20", "192.0.2.8")).response.status).toBe(401);
  });
});

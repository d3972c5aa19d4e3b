import { createHmac } from "node:crypto";
import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { changePasswordAction } from "@/app/(app)/settings/account/actions";
import { signInAction, signOutAction, signOutEverywhereAction } from "@/app/login/actions";
import { currentOperator } from "@/lib/auth/session";
import { createThrottle, RULES, throttledSignIn, throttles } from "@/lib/auth/throttle";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS, freshDatabase } from "./helpers/db";

/**
 * The attacks of the security review (docs/security.md), each as the attacker would make it:
 * a copy of the database, a copied cookie, concurrent guesses, a stranger guessing an
 * operator's password, a stolen session, an agent-scoped key. next/headers is the one piece
 * replaced: a cookie jar and a client address this file controls, as Next.js would give them.
 */
const jar = vi.hoisted(() => new Map<string, string>());
const client = vi.hoisted(() => ({ address: "203.0.113.7" }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
    set: (nameOrOptions: string | { name: string; value: string }, value?: string) => {
      if (typeof nameOrOptions === "string") jar.set(nameOrOptions, value ?? "");
      else jar.set(nameOrOptions.name, nameOrOptions.value);
    },
    delete: (name: string) => jar.delete(name),
  }),
  headers: async () => new Headers({ "x-tapdesk-client-address": client.address }),
}));

const COOKIE = "tapdesk_session";
const OWNER = "admin@tapdesk.local";
const PASSWORD = "pw-for-tests";

function form(email: string, password: string): FormData {
  const data = new FormData();
  data.set("email", email);
  data.set("password", password);
  return data;
}

/** Signs in through the login form's action; true when it let the operator in. */
async function signInAs(email: string, password: string, from: string): Promise<{ ok: boolean; error?: string }> {
  client.address = from;
  try {
    const state = await signInAction(null, form(email, password));
    return { ok: false, error: state?.error };
  } catch (error) {
    // Success redirects to the inbox (Next.js throws to redirect).
    if (String((error as { digest?: string }).digest ?? "").startsWith("NEXT_REDIRECT")) return { ok: true };
    throw error;
  }
}

async function redirecting(action: () => Promise<unknown>): Promise<void> {
  await action().catch((error: { digest?: string }) => {
    if (!String(error.digest ?? "").startsWith("NEXT_REDIRECT")) throw error;
  });
}

describe("a copy of the database", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("pglite");
  }, 180_000);
  afterAll(() => w?.dispose());

  it("holds no session key, API-key pepper or instance token in clear, nor a webhook signing secret", async () => {
    jar.clear();
    expect((await signInAs(OWNER, PASSWORD, "203.0.113.1")).ok).toBe(true);
    const endpoint = await createEndpoint(
      w.t.prisma,
      w.scope,
      { url: "http://127.0.0.1:9/hook", events: ["reaction.added"] },
      { allowPrivate: true },
    );
    const dump = JSON.stringify({
      secrets: await w.t.prisma.instanceSecret.findMany(),
      endpoints: await w.t.prisma.webhookEndpoint.findMany(),
    });
    expect(dump).not.toContain(endpoint.secret);
    expect(dump).not.toContain(endpoint.secret.slice("whsec_".length));
    for (const row of await w.t.prisma.instanceSecret.findMany({ where: { name: { not: "demo_seed" } } })) {
      expect(row.value, row.name).toMatch(/^tdseal:v2:/);
    }
  });

  it("cannot forge a session cookie for the owner", async () => {
    const owner = await w.t.prisma.operator.findUniqueOrThrow({ where: { email: OWNER } });
    const rows = await w.t.prisma.instanceSecret.findMany();
    // Every value in the table, tried as the session password, with the owner's id and epoch.
    for (const row of rows) {
      jar.clear();
      const password = row.value.padEnd(32, "x");
      jar.set(COOKIE, await sealData({ operatorId: owner.id, epoch: owner.sessionEpoch }, { password }));
      expect(await currentOperator(), row.name).toBeNull();
    }
  });

  it("cannot hash a guessed API key the way Tapdesk does", async () => {
    const stored = await w.t.prisma.apiKey.findMany({ select: { hash: true } });
    for (const row of await w.t.prisma.instanceSecret.findMany()) {
      const hash = createHmac("sha256", row.value).update(w.key).digest("hex");
      expect(stored.map((s) => s.hash)).not.toContain(hash);
    }
    // The key itself still works.
    expect((await w.api.GET("/agents")).response.status).toBe(200);
  });
});

describe("signing out", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("pglite");
  }, 180_000);
  afterAll(() => w?.dispose());

  it("ends the session on the server: a copy of the cookie stops working at once", async () => {
    jar.clear();
    expect((await signInAs(OWNER, PASSWORD, "203.0.113.2")).ok).toBe(true);
    const copy = jar.get(COOKIE)!;
    expect((await currentOperator())?.email).toBe(OWNER);
    await redirecting(() => signOutAction());
    jar.set(COOKIE, copy);
    expect(await currentOperator()).toBeNull();
    // Signing in again works, with a new cookie.
    expect((await signInAs(OWNER, PASSWORD, "203.0.113.2")).ok).toBe(true);
    expect((await currentOperator())?.email).toBe(OWNER);
  });

  it('"Sign out everywhere" ends every session of the operator, this one included', async () => {
    jar.clear();
    expect((await signInAs(OWNER, PASSWORD, "203.0.113.3")).ok).toBe(true);
    const laptop = jar.get(COOKIE)!;
    expect((await signInAs(OWNER, PASSWORD, "203.0.113.3")).ok).toBe(true);
    const phone = jar.get(COOKIE)!;
    await redirecting(() => signOutEverywhereAction());
    for (const cookie of [laptop, phone]) {
      jar.set(COOKIE, cookie);
      expect(await currentOperator()).toBeNull();
    }
  });
});

describe.each(BACKENDS)("sign-in throttling on %s", (backend) => {
  it("checks at most 5 of 20 concurrent wrong guesses for one account", async () => {
    const db = await freshDatabase(backend);
    try {
      const limits = {
        signInPair: createThrottle(RULES.signInPair, db),
        signInAccount: createThrottle(RULES.signInAccount, db),
        signInAddress: createThrottle(RULES.signInAddress, db),
      };
      let checked = 0;
      const verify = async () => {
        checked += 1;
        // Every guess is still being checked when the others arrive.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return false;
      };
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => throttledSignIn("victim@example.com", "198.51.100.9", verify, limits)),
      );
      expect(checked).toBeLessThanOrEqual(5);
      expect(outcomes.filter((o) => !o.ok && o.error.startsWith("Too many failed sign-ins"))).toHaveLength(
        20 - checked,
      );
    } finally {
      await db.dispose();
    }
  });
});

describe("the sign-in and password throttles", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("pglite");
  }, 180_000);
  afterAll(() => w?.dispose());

  it("a stranger's wrong guesses do not lock the operator out from their own address", async () => {
    jar.clear();
    for (let i = 0; i < 8; i++) await signInAs(OWNER, `wrong-${i}`, "192.0.2.66");
    // The stranger is locked out, even with the right password.
    const stranger = await signInAs(OWNER, PASSWORD, "192.0.2.66");
    expect(stranger).toMatchObject({ ok: false, error: expect.stringMatching(/^Too many failed sign-ins/) });
    // The owner, from their own address, gets in (slowed down, not refused).
    expect(await signInAs(OWNER, PASSWORD, "198.51.100.20")).toEqual({ ok: true });
  }, 60_000);

  it("throttles wrong current passwords on the change-password form, like sign-in", async () => {
    jar.clear();
    // The test before slowed the owner's account down (its waits are not what this one is about).
    await (await throttles()).signInAccount.reset(OWNER);
    expect((await signInAs(OWNER, PASSWORD, "198.51.100.30")).ok).toBe(true);
    const answers: string[] = [];
    for (let i = 0; i < 7; i++) {
      const result = await changePasswordAction({ current: `guess-${i}`, next: "a-new-password-123" });
      answers.push(result.ok ? "changed" : result.code);
    }
    expect(answers.slice(0, 5)).toEqual(Array(5).fill("wrong_password"));
    expect(answers.slice(5)).toEqual(["too_many_requests", "too_many_requests"]);
    // Locked: even the right current password is not checked now.
    const right = await changePasswordAction({ current: PASSWORD, next: "a-new-password-123" });
    expect(right).toMatchObject({ ok: false, code: "too_many_requests", error: expect.stringMatching(/Try again in/) });
  });
});

describe("API keys", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("pglite");
  }, 180_000);
  afterAll(() => w?.dispose());

  it("an agent-scoped key cannot change the sandbox's upstream mode or latency", async () => {
    const agentKey = await extraKey(w, w.ava.id, "ava only");
    const res = await w.as(agentKey).PUT("/sandbox/upstream", { body: { mode: "fail", latency_ms: 5000 } });
    expect(res.response.status).toBe(403);
    expect(res.error?.code).toBe("workspace_key_required");
    const ws = await w.t.prisma.workspace.findUniqueOrThrow({ where: { id: w.scope.workspaceId } });
    expect({ mode: ws.upstreamMode, latency: ws.upstreamLatencyMs }).toEqual({ mode: "ok", latency: 0 });
    expect((await w.api.PUT("/sandbox/upstream", { body: { mode: "ok", latency_ms: 0 } })).response.status).toBe(200);
  });

  it("a valid key is never refused because its address is locked by someone else's wrong keys", async () => {
    const shared = { "x-tapdesk-client-address": "198.51.100.99" };
    let locked = false;
    for (let i = 0; i < 25 && !locked; i++) {
      const res = await w.raw("GET", "/agents", { key: `td_wrong_${i}`, headers: shared });
      locked = res.response.status === 429;
    }
    expect(locked).toBe(true);
    expect((await w.raw("GET", "/agents", { key: `td_wrong_more`, headers: shared })).response.status).toBe(429);
    expect((await w.raw("GET", "/agents", { headers: shared })).response.status).toBe(200);
  });
});

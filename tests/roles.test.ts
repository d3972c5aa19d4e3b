import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ActionResult } from "@/lib/actions";
import { type ApiWorld, apiWorld } from "./helpers/api";

/**
 * Operators and roles through the dashboard's own server actions and pages, with a real
 * sealed session cookie (next/headers' cookie store is the only thing replaced): members
 * are refused every owner-only action and page, and nothing changes when they try.
 */

class Jar {
  private values = new Map<string, string>();
  get(name: string) {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }
  getAll() {
    return [...this.values].map(([name, value]) => ({ name, value }));
  }
  has(name: string) {
    return this.values.has(name);
  }
  set(name: string, value: string) {
    if (value === "") this.values.delete(name);
    else this.values.set(name, value);
    return this;
  }
  delete(name: string) {
    this.values.delete(name);
    return this;
  }
}

let jar = new Jar();
// headers(): the change-password action reads the client address for its throttle.
vi.mock("next/headers", () => ({ cookies: async () => jar, headers: async () => new Headers() }));
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

const session = await import("@/lib/auth/session");
const operators = await import("@/lib/operators/service");
const agentsActions = await import("@/app/(app)/settings/agents/actions");
const keysActions = await import("@/app/(app)/settings/api-keys/actions");
const rulesActions = await import("@/app/(app)/settings/contact-rules/actions");
const webhookActions = await import("@/app/(app)/settings/webhooks/actions");
const operatorActions = await import("@/app/(app)/settings/operators/actions");
const accountActions = await import("@/app/(app)/settings/account/actions");

const OWNER_PAGES = {
  agents: () => import("@/app/(app)/settings/agents/page"),
  "api-keys": () => import("@/app/(app)/settings/api-keys/page"),
  webhooks: () => import("@/app/(app)/settings/webhooks/page"),
  "contact-rules": () => import("@/app/(app)/settings/contact-rules/page"),
  operators: () => import("@/app/(app)/settings/operators/page"),
};

let world: ApiWorld;
const owner = new Jar();
const member = new Jar();
let memberId = "";

async function signInAs(target: Jar, email: string, password: string) {
  jar = target;
  expect(await session.signIn(email, password)).toBe(true);
}

function as(target: Jar) {
  jar = target;
}

/** Every row an owner-only action could touch, to show a refused call changed nothing. */
async function settingsSnapshot() {
  const p = world.t.prisma;
  const w = { workspaceId: world.scope.workspaceId };
  return JSON.stringify(
    await Promise.all([
      p.agent.findMany({ where: w, orderBy: { id: "asc" } }),
      p.apiKey.findMany({ where: w, orderBy: { id: "asc" } }),
      p.contactRule.findMany({ where: w, orderBy: { id: "asc" } }),
      p.webhookEndpoint.findMany({ where: w, orderBy: { id: "asc" } }),
      p.webhookDelivery.findMany({ where: w, orderBy: { id: "asc" } }),
      p.operator.findMany({ where: w, orderBy: { id: "asc" } }),
    ]),
  );
}

beforeAll(async () => {
  process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
  world = await apiWorld("pglite");
  await signInAs(owner, "admin@tapdesk.local", "pw-for-tests");
  const added = await operators.addOperator(world.t.prisma, world.scope, { email: "Mia@Example.com", role: "member" });
  memberId = added.id;
  await signInAs(member, "mia@example.com", added.password);
});

afterAll(async () => {
  await world.dispose();
});

describe("owner-only server actions", () => {
  const id = "00000000-0000-4000-8000-000000000000";
  // Each owner-only action with an input that an owner's call would accept.
  const calls: Record<string, () => Promise<ActionResult<unknown>>> = {
    createAgentAction: () => agentsActions.createAgentAction({ name: "Zed", handle: "+14155550199" }),
    updateAgentAction: () => agentsActions.updateAgentAction({ id: world.ava.id, changes: { name: "Eve" } }),
    createApiKeyAction: () => keysActions.createApiKeyAction({ name: "member's key" }),
    revokeApiKeyAction: () => keysActions.revokeApiKeyAction({ id }),
    createContactRuleAction: () => rulesActions.createContactRuleAction({ pattern: "+1999*" }),
    deleteContactRuleAction: () => rulesActions.deleteContactRuleAction({ id }),
    createEndpointAction: () =>
      webhookActions.createEndpointAction({ url: "http://127.0.0.1:9/hook", events: ["reaction.added"] }),
    updateEndpointAction: () => webhookActions.updateEndpointAction({ id, changes: { enabled: false } }),
    deleteEndpointAction: () => webhookActions.deleteEndpointAction({ id }),
    rotateSecretAction: () => webhookActions.rotateSecretAction({ id }),
    redeliverAction: () => webhookActions.redeliverAction({ endpointId: id, deliveryId: id }),
    addOperatorAction: () => operatorActions.addOperatorAction({ email: "sneaky@example.com", role: "owner" }),
    changeRoleAction: () => operatorActions.changeRoleAction({ id: memberId, role: "owner" }),
    removeOperatorAction: () => operatorActions.removeOperatorAction({ id: memberId }),
  };

  for (const [name, call] of Object.entries(calls)) {
    it(`${name}: a member is refused with a sentence and nothing changes`, async () => {
      as(member);
      const before = await settingsSnapshot();
      const result = await call();
      expect(result).toMatchObject({
        ok: false,
        code: "owner_required",
        error: expect.stringMatching(/Only an owner/),
      });
      expect(await settingsSnapshot()).toBe(before);
    });
  }

  it("every owner-only action of the settings is in the list above", async () => {
    const exported = [agentsActions, keysActions, rulesActions, webhookActions, operatorActions].flatMap((m) =>
      Object.keys(m),
    );
    expect(exported.sort()).toEqual(Object.keys(calls).sort());
  });

  it("an owner's same call goes through (the guard refuses members, not everyone)", async () => {
    as(owner);
    const result = await keysActions.createApiKeyAction({ name: "owner's key" });
    expect(result.ok).toBe(true);
    const rule = await rulesActions.createContactRuleAction({ pattern: "+1999*" });
    expect(rule.ok).toBe(true);
  });

  it("a signed-out caller is refused before anything else", async () => {
    as(new Jar());
    expect(await keysActions.createApiKeyAction({ name: "x" })).toMatchObject({ ok: false, code: "unauthorized" });
  });
});

describe("owner-only pages", () => {
  for (const [name, load] of Object.entries(OWNER_PAGES)) {
    it(`/settings/${name}: a member gets the 403 page; an owner gets the page`, async () => {
      const Page = (await load()).default as (props: unknown) => Promise<unknown>;
      const props = { searchParams: Promise.resolve({}), params: Promise.resolve({}) };
      as(member);
      await expect(Page(props)).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;403" });
      as(owner);
      await expect(Page(props)).resolves.toBeTruthy();
    });
  }
});

describe("operators", () => {
  it("the last owner can be neither demoted nor removed", async () => {
    as(owner);
    const me = (await session.currentOperator())!;
    expect(await operatorActions.changeRoleAction({ id: me.id, role: "member" })).toMatchObject({
      ok: false,
      code: "last_owner",
    });
    expect(await operatorActions.removeOperatorAction({ id: me.id })).toMatchObject({ ok: false, code: "last_owner" });
    expect((await session.currentOperator())?.role).toBe("owner");
  });

  it("a role change applies to the member's next request; removal ends their session at once", async () => {
    as(owner);
    const added = await operatorActions.addOperatorAction({ email: "leo@example.com", role: "member" });
    if (!added.ok) throw new Error(added.error);
    expect(added.data.password.length).toBeGreaterThanOrEqual(20);
    const leo = new Jar();
    await signInAs(leo, "leo@example.com", added.data.password);
    const leoId = (await session.currentOperator())!.id;

    as(owner);
    expect((await operatorActions.changeRoleAction({ id: leoId, role: "owner" })).ok).toBe(true);
    as(leo);
    expect((await session.currentOperator())?.role).toBe("owner");

    as(owner);
    expect((await operatorActions.removeOperatorAction({ id: leoId })).ok).toBe(true);
    as(leo);
    expect(await session.currentOperator()).toBeNull();
    expect(await keysActions.createApiKeyAction({ name: "x" })).toMatchObject({ ok: false, code: "unauthorized" });
    expect(await session.signIn("leo@example.com", added.data.password)).toBe(false);
  });

  it("an email already in use is refused; a removed operator can be added back with a new password", async () => {
    as(owner);
    expect(await operatorActions.addOperatorAction({ email: "mia@example.com", role: "member" })).toMatchObject({
      ok: false,
      code: "operator_email_taken",
    });
    const first = await operatorActions.addOperatorAction({ email: "kai@example.com", role: "member" });
    if (!first.ok) throw new Error(first.error);
    const kai = await world.t.prisma.operator.findUniqueOrThrow({ where: { email: "kai@example.com" } });
    expect((await operatorActions.removeOperatorAction({ id: kai.id })).ok).toBe(true);
    const again = await operatorActions.addOperatorAction({ email: "kai@example.com", role: "owner" });
    if (!again.ok) throw new Error(again.error);
    expect(again.data.password).not.toBe(first.data.password);
    const back = new Jar();
    await signInAs(back, "kai@example.com", again.data.password);
    expect((await session.currentOperator())?.id).toBe(kai.id);
  });

  it("anyone changes their own password: other sessions end, this one stays, the old password stops working", async () => {
    as(owner);
    const added = await operatorActions.addOperatorAction({ email: "ivy@example.com", role: "member" });
    if (!added.ok) throw new Error(added.error);
    const laptop = new Jar();
    const phone = new Jar();
    await signInAs(laptop, "ivy@example.com", added.data.password);
    await signInAs(phone, "ivy@example.com", added.data.password);

    as(laptop);
    expect(
      await accountActions.changePasswordAction({ current: "wrong-password", next: "a-new-password-1" }),
    ).toMatchObject({ ok: false, code: "wrong_password" });
    expect(
      (await accountActions.changePasswordAction({ current: added.data.password, next: "a-new-password-1" })).ok,
    ).toBe(true);
    expect((await session.currentOperator())?.email).toBe("ivy@example.com");
    as(phone);
    expect(await session.currentOperator()).toBeNull();
    expect(await session.signIn("ivy@example.com", added.data.password)).toBe(false);
    expect(await session.signIn("ivy@example.com", "a-new-password-1")).toBe(true);
  });
});

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import type { BlueBubblesBridge } from "../../generated/prisma/client";
import { isUuid } from "../../ids";
import { seal, unseal } from "../../secrets/seal";
import { sealedAt } from "../../secrets/sealed-columns";
import { pinnedFetch } from "../../webhooks/pinned-fetch";
import {
  checkDestination,
  type Destination,
  parseWebhookUrl,
  type Resolver,
  systemResolver,
  WebhookUrlError,
} from "../../webhooks/ssrf";
import { BlueBubblesClient, BlueBubblesError, MESSAGE_EVENTS, type ServerInfo } from "./client";

/**
 * One agent's BlueBubbles bridge: a Mac signed in to iMessage as the agent's handle. This
 * file links and unlinks it, opens a client for it, and knows the URL the Mac posts its
 * webhooks to. The password and the inbound secret are stored sealed and never leave here
 * in clear except inside the client.
 */

export type BridgeStatus = "ok" | "private_api_off" | "helper_disconnected" | "unreachable";

/** What the bridge's server info says about sending tapbacks (they need the Private API and its helper). */
export function statusOf(info: ServerInfo): BridgeStatus {
  if (!info.privateApi) return "private_api_off";
  if (!info.helperConnected) return "helper_disconnected";
  return "ok";
}

/** Where Tapdesk is reachable from the Mac. */
export function publicUrl(): string {
  return (process.env.TAPDESK_PUBLIC_URL || `http://localhost:${process.env.PORT || 3000}`).replace(/\/+$/, "");
}

export const INBOUND_PATH = "/api/bridges/bluebubbles";

export function inboundUrl(agentId: string, secret: string): string {
  return `${publicUrl()}${INBOUND_PATH}/${agentId}/${secret}`;
}

/**
 * A bridge URL must pass the same guard as webhook endpoints: no private addresses unless
 * allowed, link-local never. Returns the address that passed, which every request of the
 * client then connects to (pinnedFetch: no second lookup, so DNS rebinding gets nowhere).
 */
async function checkBridgeUrl(raw: string): Promise<Destination> {
  try {
    return await checkDestination(parseWebhookUrl(raw), { resolver: bridgeResolver, subject: "bridge URLs" });
  } catch (error) {
    if (error instanceof WebhookUrlError) {
      throw new AppError("bridge_url_not_allowed", `The bridge URL is not allowed: ${error.message}`, [
        { field: "bridge.url", message: error.message },
      ]);
    }
    throw error;
  }
}

// Bound to the agent, the bridge row's identity (its key in sealed-columns.ts).
const passwordAt = (agentId: string) => sealedAt("bluebubbles_bridge", "password", agentId);
const inboundSecretAt = (agentId: string) => sealedAt("bluebubbles_bridge", "inbound_secret", agentId);

/** How bridge host names are resolved: the system's resolver, replaced by tests (a rebinding stub). */
let bridgeResolver: Resolver = systemResolver;
export function setBridgeResolver(resolver: Resolver | null): void {
  bridgeResolver = resolver ?? systemResolver;
}

export interface OpenBridge {
  row: BlueBubblesBridge;
  client: BlueBubblesClient;
}

/** A client for the agent's bridge, its URL checked again (what a hostname resolves to can change). */
export async function openBridge(db: Db, agentId: string): Promise<OpenBridge | null> {
  const row = await db.blueBubblesBridge.findUnique({ where: { agentId } });
  return row && bridgeClient(row);
}

/** The same, for a bridge row the caller has already read. */
export async function bridgeClient(row: BlueBubblesBridge): Promise<OpenBridge> {
  const destination = await checkBridgeUrl(row.url);
  return {
    row,
    client: new BlueBubblesClient({
      url: row.url,
      password: await unseal(row.password, passwordAt(row.agentId)),
      fetch: pinnedFetch(destination),
    }),
  };
}

/** Link checks must not keep an operator waiting a minute. */
const LINK_TIMEOUT_MS = 15_000;

/**
 * Links the agent to a bridge (or replaces its bridge): checks that the server answers with
 * this password, saves it, and registers Tapdesk's inbound webhook there. An unreachable
 * server or a wrong password saves nothing (422 bridge_unreachable); a server whose Private
 * API or helper is off is saved, with a status that says so.
 */
export async function linkBridge(
  db: Db,
  workspaceId: string,
  agentId: string,
  input: { url: string; password: string },
): Promise<void> {
  const destination = await checkBridgeUrl(input.url);
  // One Mac is one iMessage identity: two agents on it would both claim every message.
  const taken = await db.blueBubblesBridge.findFirst({
    where: { workspaceId, url: input.url, agentId: { not: agentId } },
    select: { agent: { select: { name: true } } },
  });
  if (taken) {
    throw new AppError("bridge_in_use", `That BlueBubbles server is already the bridge of ${taken.agent.name}.`);
  }
  const client = new BlueBubblesClient({
    url: input.url,
    password: input.password,
    timeoutMs: LINK_TIMEOUT_MS,
    fetch: pinnedFetch(destination),
  });
  let info: ServerInfo;
  try {
    info = await client.serverInfo();
  } catch (error) {
    if (error instanceof BlueBubblesError) {
      throw new AppError("bridge_unreachable", `Tapdesk could not use the bridge: ${error.sentence}`);
    }
    throw error;
  }
  const existing = await db.blueBubblesBridge.findUnique({ where: { agentId }, select: { inboundSecret: true } });
  // Re-linking keeps the inbound URL, so a Mac that already posts to it keeps working.
  const secret = existing
    ? await unseal(existing.inboundSecret, inboundSecretAt(agentId))
    : randomBytes(32).toString("base64url");
  const now = new Date();
  const data = {
    url: input.url,
    password: await seal(input.password, passwordAt(agentId)),
    inboundSecret: await seal(secret, inboundSecretAt(agentId)),
    status: statusOf(info),
    lastContactAt: now,
  };
  await db.blueBubblesBridge.upsert({
    where: { agentId },
    create: { ...data, workspaceId, agentId, cursorMs: BigInt(now.getTime()) },
    update: data,
  });
  try {
    await client.ensureWebhook(inboundUrl(agentId, secret), MESSAGE_EVENTS);
  } catch (error) {
    if (error instanceof BlueBubblesError) {
      throw new AppError(
        "bridge_unreachable",
        `The bridge was saved, but registering Tapdesk's webhook on it failed: ${error.sentence}`,
      );
    }
    throw error;
  }
}

export async function unlinkBridge(db: Db, workspaceId: string, agentId: string): Promise<void> {
  await db.blueBubblesBridge.deleteMany({ where: { agentId, workspaceId } });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * The bridge whose inbound URL this is, or null. The secret is compared in constant time
 * (over digests, so its length leaks nothing either).
 */
export async function bridgeForInbound(db: Db, agentId: string, secret: string): Promise<BlueBubblesBridge | null> {
  const row = isUuid(agentId) ? await db.blueBubblesBridge.findUnique({ where: { agentId } }) : null;
  const expected = row
    ? await unseal(row.inboundSecret, inboundSecretAt(row.agentId))
    : randomBytes(32).toString("base64url");
  const same = timingSafeEqual(digest(expected), digest(secret));
  return row && same ? row : null;
}

/** Records that the bridge answered (Settings shows it), with what its server info says when known. */
export async function touchBridge(db: Db, bridgeId: string, status?: BridgeStatus): Promise<void> {
  await db.blueBubblesBridge.update({
    where: { id: bridgeId },
    data: { lastContactAt: new Date(), ...(status ? { status } : {}) },
  });
}

/** The agent object's `bridge`: never the password, nor the secret outside the inbound URL. */
export async function bridgeObject(
  row: Pick<BlueBubblesBridge, "agentId" | "url" | "status" | "inboundSecret" | "lastContactAt"> | null,
) {
  if (!row) return { kind: "sandbox" as const };
  return {
    kind: "bluebubbles" as const,
    url: row.url,
    status: row.status as BridgeStatus,
    inbound_url: inboundUrl(row.agentId, await unseal(row.inboundSecret, inboundSecretAt(row.agentId))),
    last_contact_at: row.lastContactAt?.toISOString() ?? null,
  };
}

import type { Operation } from "../operation";
import { createAgent, getAgent, getBridgeAttachment, listAgents, updateAgent } from "./agents";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys";
import { createContactRule, deleteContactRule, listContactRules } from "./contact-rules";
import {
  getConversation,
  getMessage,
  listConversations,
  listMessages,
  listReactionChanges,
  sendMessage,
} from "./conversations";
import { exportFeedback, feedbackSummary, listFeedbackMessages } from "./feedback";
import { getReaction, operateReaction, removeReaction, sendReaction } from "./reactions";
import {
  createSandboxConversation,
  getUpstreamMode,
  humanDisconnects,
  humanReacts,
  humanReconnects,
  humanSendsMessage,
  setUpstreamMode,
} from "./sandbox";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getDelivery,
  getWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
  redeliver,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "./webhooks";

/**
 * Every operation of /api/v1, in the order of the reference (its tags and paths follow it).
 * A route file under app/api/v1 routes some of these; tests/api-openapi.test.ts checks that
 * each is routed exactly once, by the route file of its path.
 */
export const OPERATIONS: Operation[] = [
  sendReaction,
  operateReaction,
  getReaction,
  removeReaction,
  listConversations,
  getConversation,
  listMessages,
  sendMessage,
  getMessage,
  listReactionChanges,
  feedbackSummary,
  listFeedbackMessages,
  exportFeedback,
  listAgents,
  createAgent,
  getAgent,
  updateAgent,
  getBridgeAttachment,
  listContactRules,
  createContactRule,
  deleteContactRule,
  listApiKeys,
  createApiKey,
  revokeApiKey,
  listWebhookEndpoints,
  createWebhookEndpoint,
  getWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  rotateWebhookSecret,
  listDeliveries,
  getDelivery,
  redeliver,
  createSandboxConversation,
  humanSendsMessage,
  humanReacts,
  humanDisconnects,
  humanReconnects,
  getUpstreamMode,
  setUpstreamMode,
];

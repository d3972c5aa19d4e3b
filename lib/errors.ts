/**
 * Every problem Tapdesk can report, in one registry: its stable code, the HTTP status and
 * title of the API's problem+json (lib/api/http.ts), the plain sentence the dashboard and the
 * server actions (lib/actions.ts) show an operator (and the API's default `detail`), and
 * whether the same request may succeed when simply sent again (`retryable: true`; false when
 * left out). The codes and the order the API checks them in: see docs/api.md.
 */
interface Problem {
  status: number;
  title: string;
  sentence: string;
  retryable?: true;
}

export const ERRORS = {
  unauthorized: { status: 401, title: "Unauthorized", sentence: "You are not signed in." },
  invalid_json: { status: 400, title: "Invalid JSON", sentence: "The request was not valid JSON." },
  validation_failed: { status: 422, title: "Validation failed", sentence: "Some fields are missing or invalid." },
  invalid_reaction: { status: 422, title: "Invalid reaction", sentence: "That is not a reaction Tapdesk knows." },
  invalid_part_index: { status: 422, title: "Invalid part index", sentence: "That message has no such part." },
  message_not_found: {
    status: 404,
    title: "Message not found",
    sentence: "That message does not exist, or you cannot see it.",
  },
  conversation_not_found: {
    status: 404,
    title: "Conversation not found",
    sentence: "That conversation does not exist.",
  },
  not_found: { status: 404, title: "Not found", sentence: "That does not exist." },
  reaction_not_sendable: {
    status: 422,
    title: "Reaction not sendable",
    sentence: "This agent cannot send that kind of reaction.",
  },
  identity_not_imessage: {
    status: 400,
    title: "Identity not enabled for iMessage",
    sentence: "This agent's identity is not enabled for iMessage.",
  },
  contact_blocked: { status: 403, title: "Contact blocked", sentence: "This contact is blocked by a contact rule." },
  recipient_disconnected: {
    status: 409,
    title: "Recipient disconnected",
    sentence: "The person has disconnected from this agent and must reconnect before you can react.",
  },
  conversation_taken_over: {
    status: 409,
    title: "Conversation taken over",
    sentence: "An operator has taken this conversation over; the agent cannot send to it until it is handed back.",
  },
  message_not_reactable: {
    status: 400,
    title: "Message not reactable",
    sentence: "This message cannot take reactions yet: it has not been sent.",
  },
  upstream_delivery_failed: {
    status: 502,
    title: "Upstream delivery failed",
    sentence: "iMessage did not accept the tapback. Nothing was changed; you can try again.",
    retryable: true,
  },
  upstream_outcome_unknown: {
    status: 504,
    title: "Upstream outcome unknown",
    sentence:
      "iMessage did not confirm it, and it may have been sent. Not confirmed yet: Tapdesk is checking with iMessage and will record what really happened. Do not send it again; retry only with the same Idempotency-Key.",
  },
  // Beyond the reaction table: reads, removal by id, and the workspace settings.
  reaction_not_found: {
    status: 404,
    title: "Reaction not found",
    sentence: "That reaction does not exist or was removed.",
  },
  reaction_not_owned: {
    status: 403,
    title: "Reaction not owned",
    sentence: "That reaction was placed by the person, not the agent; only the agent's own tapbacks can be removed.",
  },
  agent_not_found: { status: 404, title: "Agent not found", sentence: "That agent does not exist." },
  api_key_not_found: { status: 404, title: "API key not found", sentence: "That API key does not exist." },
  contact_rule_not_found: {
    status: 404,
    title: "Contact rule not found",
    sentence: "That contact rule does not exist.",
  },
  workspace_key_required: {
    status: 403,
    title: "Workspace-wide key required",
    sentence: "Only a workspace-wide API key can manage workspace settings; this key is restricted to one agent.",
  },
  agent_handle_taken: {
    status: 409,
    title: "Handle taken",
    sentence: "Another agent of this workspace already uses that handle.",
  },
  contact_rule_exists: {
    status: 409,
    title: "Contact rule exists",
    sentence: "A contact rule with that pattern already exists.",
  },
  operator_email_taken: {
    status: 409,
    title: "Email taken",
    sentence: "An operator with that email already exists; each email signs in to one workspace.",
  },
  // BlueBubbles bridges.
  bridge_unreachable: {
    status: 422,
    title: "Bridge unreachable",
    sentence: "Tapdesk could not reach the BlueBubbles server with that URL and password; nothing was saved.",
  },
  bridge_in_use: {
    status: 409,
    title: "Bridge in use",
    sentence: "That BlueBubbles server is already another agent's bridge; one Mac is one iMessage identity.",
  },
  bridge_url_not_allowed: {
    status: 422,
    title: "Bridge URL not allowed",
    sentence: "That bridge URL is not allowed: use an address reachable on the public internet.",
  },
  feedback_url_not_allowed: {
    status: 422,
    title: "Feedback URL not allowed",
    sentence: "That Langfuse URL is not allowed: use a public http or https address.",
  },
  // Webhooks (see docs/webhooks.md).
  webhook_url_not_allowed: {
    status: 422,
    title: "Webhook URL not allowed",
    sentence: "That webhook URL is not allowed: use a public http or https address.",
  },
  webhook_endpoint_not_found: {
    status: 404,
    title: "Webhook endpoint not found",
    sentence: "That webhook endpoint does not exist.",
  },
  webhook_delivery_not_found: {
    status: 404,
    title: "Webhook delivery not found",
    sentence: "That webhook delivery does not exist.",
  },
  webhook_endpoint_disabled: {
    status: 409,
    title: "Webhook endpoint disabled",
    sentence: "The webhook endpoint is disabled; enable it before redelivering.",
  },
  // Operators and roles.
  owner_required: {
    status: 403,
    title: "Owner required",
    sentence: "Only an owner of this workspace can do that. Ask an owner to change it for you.",
  },
  operator_not_found: { status: 404, title: "Operator not found", sentence: "That operator does not exist." },
  last_owner: {
    status: 409,
    title: "Last owner",
    sentence: "The workspace needs at least one owner: make someone else an owner first.",
  },
  wrong_password: { status: 422, title: "Wrong password", sentence: "Your current password is not right." },
  // The HTTP edge: how a request arrived, rather than what it asked for.
  payload_too_large: {
    status: 413,
    title: "Payload too large",
    sentence: "That request is too large.",
  },
  method_not_allowed: {
    status: 405,
    title: "Method not allowed",
    sentence: "That method is not allowed here.",
  },
  invalid_idempotency_key: {
    status: 400,
    title: "Invalid Idempotency-Key",
    sentence: "The Idempotency-Key header is not valid.",
  },
  idempotency_key_reused: {
    status: 422,
    title: "Idempotency key reused",
    sentence: "This Idempotency-Key was already used with a different request; use a new key for a new request.",
  },
  idempotency_key_in_use: {
    status: 409,
    title: "Idempotency key in use",
    sentence: "A request with this Idempotency-Key is still running; retry once it has finished.",
    retryable: true,
  },
  too_many_requests: {
    status: 429,
    title: "Too many requests",
    sentence: "Too many requests. Wait a moment, then try again.",
    retryable: true,
  },
  internal_error: {
    status: 500,
    title: "Internal error",
    sentence: "Something went wrong on our side. Try again.",
    retryable: true,
  },
} as const satisfies Record<string, Problem>;

export type ErrorCode = keyof typeof ERRORS;

/** Whether the same request may succeed when sent again (after `Retry-After`, where given). */
export function isRetryable(code: ErrorCode): boolean {
  return (ERRORS[code] as Problem).retryable === true;
}

export interface FieldError {
  field: string;
  message: string;
}

/** Every failure Tapdesk reports on purpose: the API answers it as problem+json, an action as its sentence. */
export class AppError extends Error {
  readonly status: number;
  /** For upstream_outcome_unknown: the unsettled send an Idempotency-Key stays bound to. */
  unsettledSendId?: string;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors?: FieldError[],
    /** Extension members of the problem (RFC 9457 §3.2), such as who took a conversation over. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? ERRORS[code].sentence);
    this.status = ERRORS[code].status;
  }

  /** The plain sentence for the dashboard. */
  get sentence(): string {
    return ERRORS[this.code].sentence;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * Every failure the domain can report, with its stable code (SPEC §3 error table), its
 * HTTP status, and the plain sentence the dashboard shows an operator.
 */
export const ERRORS = {
  unauthorized: { status: 401, title: "Unauthorized", sentence: "You are not signed in." },
  invalid_json: { status: 400, title: "Invalid JSON", sentence: "The request was not valid JSON." },
  validation_failed: { status: 422, title: "Validation failed", sentence: "Some fields are missing or invalid." },
  invalid_reaction: { status: 422, title: "Invalid reaction", sentence: "That is not a reaction Tapdesk knows." },
  invalid_part_index: { status: 422, title: "Invalid part index", sentence: "That message has no such part." },
  message_not_found: { status: 404, title: "Message not found", sentence: "That message no longer exists." },
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
  message_not_reactable: {
    status: 400,
    title: "Message not reactable",
    sentence: "This message cannot take reactions yet: it has not been sent.",
  },
  upstream_delivery_failed: {
    status: 502,
    title: "Upstream delivery failed",
    sentence: "iMessage did not accept the tapback. Nothing was changed; you can try again.",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors?: FieldError[],
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

"use client";

import { useState, useTransition } from "react";
import {
  sandboxReact,
  sandboxSendInbound,
  sandboxSetAssignment,
  sandboxSetUpstream,
} from "@/app/(app)/conversations/[id]/actions";
import type { ActionResult } from "@/lib/actions";
import type { ThreadView } from "@/lib/conversations/view";
import { CLASSIC, CLASSIC_LABEL, type Kind } from "@/lib/tapbacks/kinds";

const EMOJI = ["😍", "🔥", "🎉", "🙏", "😂", "👀", "💯", "🥲"];
const STICKERS = [
  { name: "Party parrot", file: "party-parrot", size: 96 },
  { name: "Heart eyes", file: "heart-eyes", size: 120 },
  { name: "Gold star", file: "thumbs-star", size: 72 },
];

const field =
  "w-full rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";
const button =
  "rounded-md bg-neutral-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-neutral-700 disabled:opacity-50 dark:bg-neutral-100 dark:text-neutral-900";

/**
 * Plays the human's side of the sandbox (SPEC §5): the phone sends messages and
 * reactions; the router disconnects and reconnects; the upstream can fail or hold.
 */
export function SandboxPanel({
  view,
  onChanged,
  open,
  onClose,
}: {
  view: ThreadView;
  onChanged: () => void;
  /** Below the lg breakpoint the panel is shown only when opened from the thread's Sandbox button. */
  open: boolean;
  onClose: () => void;
}) {
  const [pending, startTransition] = useTransition();
  const [status, setStatus] = useState("");
  const [text, setText] = useState("");
  const targets = view.messages.flatMap((m) =>
    m.parts.map((p) => ({
      value: `${m.id}:${p.index}`,
      label: `${m.direction === "outbound" ? view.agent.name : "Human"}: ${(p.text ?? p.attachment?.fileName ?? "").slice(0, 40)}${m.parts.length > 1 ? ` (part ${p.index + 1})` : ""}`,
    })),
  );
  const [target, setTarget] = useState("");
  const [kind, setKind] = useState<Kind>("love");
  const [emoji, setEmoji] = useState("😍");
  const [sticker, setSticker] = useState(STICKERS[0]!.file);
  const chosen = target || targets.at(-1)?.value || "";

  function run<T>(label: string, action: () => Promise<ActionResult<T>>) {
    startTransition(async () => {
      const result = await action();
      setStatus(result.ok ? `${label}: done.` : `${label} failed: ${result.error}`);
      if (result.ok) onChanged();
    });
  }

  function reactAsHuman(operation: "add" | "remove") {
    const [messageId, part] = chosen.split(":");
    if (!messageId) return setStatus("Pick a message first.");
    const s = STICKERS.find((x) => x.file === sticker)!;
    run(operation === "add" ? "Human reaction" : "Human removal", () =>
      sandboxReact({
        messageId,
        body: {
          operation,
          type: kind,
          part_index: Number(part),
          ...(kind === "custom" ? { custom_emoji: emoji } : {}),
          ...(kind === "sticker" && operation === "add"
            ? {
                sticker: {
                  file_name: `${s.file}.svg`,
                  mime_type: "image/svg+xml",
                  url: `/stickers/${s.file}.svg`,
                  width: s.size,
                  height: s.size,
                },
              }
            : {}),
        },
      }),
    );
  }

  return (
    <aside
      aria-label="Sandbox"
      id="sandbox-panel"
      className={`${open ? "absolute inset-0 z-40 block lg:static" : "hidden"} w-full shrink-0 space-y-5 overflow-y-auto border-l border-neutral-200 bg-neutral-50 p-4 text-sm lg:block lg:w-80 dark:border-neutral-800 dark:bg-neutral-900`}
    >
      <button
        type="button"
        onClick={onClose}
        className="float-right rounded-md border border-neutral-300 px-2 py-1 text-xs font-medium hover:bg-neutral-100 lg:hidden dark:border-neutral-700 dark:hover:bg-neutral-800"
      >
        Close sandbox
      </button>
      <div>
        <h2 className="font-semibold">Sandbox: play the human</h2>
        <p className="text-xs text-neutral-600 dark:text-neutral-400">
          Acts as {view.remoteNumber}'s phone and the iMessage network.
        </p>
      </div>

      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          const texts = text
            .split("\n")
            .map((t) => t.trim())
            .filter(Boolean);
          if (texts.length === 0) return setStatus("Type a message first.");
          run("Human message", async () => {
            const r = await sandboxSendInbound({ conversationId: view.id, texts });
            if (r.ok) setText("");
            return r;
          });
        }}
      >
        <label className="block font-medium" htmlFor="sandbox-text">
          Human message
        </label>
        <textarea
          id="sandbox-text"
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          className={field}
          placeholder="Each line becomes its own bubble"
        />
        <button type="submit" className={button} disabled={pending}>
          Send as human
        </button>
      </form>

      <fieldset className="space-y-2">
        <legend className="font-medium">Human reaction</legend>
        <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-target">
          Target message
        </label>
        <select id="sandbox-target" className={field} value={chosen} onChange={(e) => setTarget(e.target.value)}>
          {targets.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
        <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-kind">
          Reaction type
        </label>
        <select id="sandbox-kind" className={field} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {CLASSIC.map((k) => (
            <option key={k} value={k}>
              {CLASSIC_LABEL[k]}
            </option>
          ))}
          <option value="custom">Custom emoji</option>
          <option value="sticker">Sticker</option>
        </select>
        {kind === "custom" && (
          <div className="space-y-1">
            <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-emoji">
              Emoji
            </label>
            <input id="sandbox-emoji" className={field} value={emoji} onChange={(e) => setEmoji(e.target.value)} />
            <div className="flex flex-wrap gap-1" role="group" aria-label="Quick emoji">
              {EMOJI.map((e) => (
                <button
                  key={e}
                  type="button"
                  aria-label={`Use ${e}`}
                  aria-pressed={emoji === e}
                  onClick={() => setEmoji(e)}
                  className={`rounded px-1.5 text-lg ${emoji === e ? "bg-blue-100 dark:bg-blue-900" : "hover:bg-neutral-200 dark:hover:bg-neutral-800"}`}
                >
                  {e}
                </button>
              ))}
            </div>
          </div>
        )}
        {kind === "sticker" && (
          <div>
            <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-sticker">
              Sticker image
            </label>
            <select id="sandbox-sticker" className={field} value={sticker} onChange={(e) => setSticker(e.target.value)}>
              {STICKERS.map((s) => (
                <option key={s.file} value={s.file}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="flex gap-2">
          <button type="button" className={button} disabled={pending} onClick={() => reactAsHuman("add")}>
            Add reaction
          </button>
          <button type="button" className={button} disabled={pending} onClick={() => reactAsHuman("remove")}>
            Remove reaction
          </button>
        </div>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="font-medium">Connection</legend>
        <p className="text-xs">
          The human is <strong>{view.assignmentStatus === "active" ? "connected" : "disconnected"}</strong>.
        </p>
        <button
          type="button"
          className={button}
          disabled={pending}
          onClick={() =>
            run(view.assignmentStatus === "active" ? "Disconnect" : "Reconnect", () =>
              sandboxSetAssignment({
                assignmentId: view.assignmentId,
                status: view.assignmentStatus === "active" ? "disconnected" : "active",
              }),
            )
          }
        >
          {view.assignmentStatus === "active" ? "Disconnect human" : "Reconnect human"}
        </button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="font-medium">Upstream</legend>
        <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-mode">
          Upstream mode
        </label>
        <select
          id="sandbox-mode"
          className={field}
          value={view.upstreamMode}
          disabled={pending}
          onChange={(e) => {
            const mode = e.target.value as "ok" | "fail" | "hold";
            run(`Upstream ${mode}`, () => sandboxSetUpstream({ mode }));
          }}
        >
          <option value="ok">ok: deliver everything</option>
          <option value="fail">fail: every delivery fails (502)</option>
          <option value="hold">hold: new messages stay queued</option>
        </select>
        <label className="block text-xs text-neutral-600 dark:text-neutral-400" htmlFor="sandbox-latency">
          Upstream latency
        </label>
        <select
          id="sandbox-latency"
          className={field}
          value={String(view.upstreamLatencyMs)}
          disabled={pending}
          onChange={(e) => {
            const latency = Number(e.target.value);
            run(`Latency ${latency} ms`, () => sandboxSetUpstream({ mode: view.upstreamMode, latency_ms: latency }));
          }}
        >
          {[...new Set([0, 300, 1000, 3000, 10000, view.upstreamLatencyMs])]
            .sort((a, b) => a - b)
            .map((ms) => (
              <option key={ms} value={ms}>
                {ms === 0 ? "none" : `${ms} ms per delivery`}
              </option>
            ))}
        </select>
      </fieldset>

      <p role="status" aria-live="polite" className="min-h-5 text-xs text-neutral-600 dark:text-neutral-400">
        {status}
      </p>
    </aside>
  );
}

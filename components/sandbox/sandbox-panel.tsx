"use client";

import { useState, useTransition } from "react";
import {
  sandboxReact,
  sandboxSendInbound,
  sandboxSetAssignment,
  sandboxSetUpstream,
} from "@/app/(app)/conversations/[id]/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import type { ActionResult } from "@/lib/actions";
import type { ThreadView } from "@/lib/conversations/view";
import { CLASSIC, CLASSIC_LABEL, type Kind } from "@/lib/tapbacks/kinds";

const EMOJI = ["😍", "🔥", "🎉", "🙏", "😂", "👀", "💯", "🥲"];
const STICKERS = [
  { name: "Party parrot", file: "party-parrot", size: 96 },
  { name: "Heart eyes", file: "heart-eyes", size: 120 },
  { name: "Gold star", file: "thumbs-star", size: 72 },
];

const KINDS = [
  ...CLASSIC.map((k) => ({ value: k, label: CLASSIC_LABEL[k] })),
  { value: "custom", label: "Custom emoji" },
  { value: "sticker", label: "Sticker" },
];

const MODES = [
  { value: "ok", label: "ok: deliver everything" },
  { value: "fail", label: "fail: every delivery fails (502)" },
  { value: "hold", label: "hold: new messages stay queued" },
  { value: "unknown", label: "unknown: delivers, but the outcome is not confirmed (504)" },
];

/** The latency choices, with the current one among them even when it is none of the usual. */
function latencies(current: number) {
  return [...new Set([0, 300, 1000, 3000, 10000, current])]
    .sort((a, b) => a - b)
    .map((ms) => ({ value: ms, label: ms === 0 ? "none" : `${ms} ms per delivery` }));
}

/**
 * Plays the human's side of the sandbox (see docs/bridges.md): the phone sends messages and
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
      <Button variant="secondary" size="sm" onClick={onClose} className="float-right lg:hidden">
        Close sandbox
      </Button>
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
        <Field id="sandbox-text" label="Human message" className="space-y-2">
          <Textarea rows={2} value={text} onValue={setText} placeholder="Each line becomes its own bubble" />
        </Field>
        <Button type="submit" disabled={pending}>
          Send as human
        </Button>
      </form>

      <fieldset className="space-y-2">
        <legend className="font-medium">Human reaction</legend>
        <Field id="sandbox-target" label="Target message" labelStyle="quiet" className="space-y-2">
          <Select value={chosen} onValue={setTarget} options={targets} />
        </Field>
        <Field id="sandbox-kind" label="Reaction type" labelStyle="quiet" className="space-y-2">
          <Select value={kind} onValue={(value) => setKind(value as Kind)} options={KINDS} />
        </Field>
        {kind === "custom" && (
          <Field id="sandbox-emoji" label="Emoji" labelStyle="quiet" className="space-y-1">
            <Input value={emoji} onValue={setEmoji} />
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
          </Field>
        )}
        {kind === "sticker" && (
          <Field id="sandbox-sticker" label="Sticker image" labelStyle="quiet">
            <Select
              value={sticker}
              onValue={setSticker}
              options={STICKERS.map((s) => ({ value: s.file, label: s.name }))}
            />
          </Field>
        )}
        <div className="flex gap-2">
          <Button disabled={pending} onClick={() => reactAsHuman("add")}>
            Add reaction
          </Button>
          <Button disabled={pending} onClick={() => reactAsHuman("remove")}>
            Remove reaction
          </Button>
        </div>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="font-medium">Connection</legend>
        <p className="text-xs">
          The human is <strong>{view.assignmentStatus === "active" ? "connected" : "disconnected"}</strong>.
        </p>
        <Button
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
        </Button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="font-medium">Upstream</legend>
        <Field id="sandbox-mode" label="Upstream mode" labelStyle="quiet" className="space-y-2">
          <Select
            value={view.upstreamMode}
            disabled={pending}
            onValue={(value) => {
              const mode = value as "ok" | "fail" | "hold" | "unknown";
              run(`Upstream ${mode}`, () => sandboxSetUpstream({ mode }));
            }}
            options={MODES}
          />
        </Field>
        <Field id="sandbox-latency" label="Upstream latency" labelStyle="quiet" className="space-y-2">
          <Select
            value={String(view.upstreamLatencyMs)}
            disabled={pending}
            onValue={(value) => {
              const latency = Number(value);
              run(`Latency ${latency} ms`, () => sandboxSetUpstream({ mode: view.upstreamMode, latency_ms: latency }));
            }}
            options={latencies(view.upstreamLatencyMs)}
          />
        </Field>
      </fieldset>

      <p role="status" aria-live="polite" className="min-h-5 text-xs text-neutral-600 dark:text-neutral-400">
        {status}
      </p>
    </aside>
  );
}

import Link from "next/link";
import { ReactionsChart } from "@/components/feedback/reactions-chart";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { LocalTime } from "@/components/ui/local-time";
import { requireOperator } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { summaryQuery } from "@/lib/feedback/schemas";
import { feedbackSummary, listFeedbackMessages } from "@/lib/feedback/service";
import { LABELS, type Label } from "@/lib/tapbacks/feedback";
import type { Kind } from "@/lib/tapbacks/kinds";

export const metadata = { title: "Feedback · Tapdesk" };

/** The review queue's filters: what needs a look (👎 and ❓) first, or one label, or all. */
const QUEUES = [
  { value: "attention", label: "Needs a look (👎 ❓)", labels: ["negative", "confused"] },
  ...LABELS.map((l) => ({ value: l, label: l.charAt(0).toUpperCase() + l.slice(1), labels: [l] })),
  { value: "all", label: "All", labels: [...LABELS] },
] as const satisfies readonly { value: string; label: string; labels: readonly Label[] }[];

const GLYPH: Record<Exclude<Kind, "custom" | "sticker">, string> = {
  love: "❤️",
  like: "👍",
  dislike: "👎",
  laugh: "😂",
  emphasize: "‼️",
  question: "❓",
};
const TONE: Record<Label, BadgeTone> = { positive: "green", negative: "red", confused: "amber", other: "grey" };
const WHEN: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
const percent = (n: number) => `${(n * 100).toFixed(1)}%`;

type Params = { agent?: string; from?: string; to?: string; queue?: string };

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  return search.toString();
}

export default async function FeedbackPage({ searchParams }: { searchParams: Promise<Params> }) {
  const operator = await requireOperator();
  const prisma = await db();
  const params = await searchParams;
  const agents = await prisma.agent.findMany({
    where: { workspaceId: operator.scope.workspaceId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true },
  });
  const agent = agents.find((a) => a.id === params.agent) ?? agents[0];
  const queue = QUEUES.find((q) => q.value === params.queue) ?? QUEUES[0];
  const dates = summaryQuery.safeParse({ from: params.from || undefined, to: params.to || undefined });
  const period = dates.success ? { from: dates.data.from, to: dates.data.to } : {};

  let body: React.ReactNode;
  if (!agent) {
    body = <p className="text-sm">There are no agents yet, so there is no feedback to show.</p>;
  } else {
    try {
      const input = { agent_id: agent.id, ...period };
      const [summary, items] = await Promise.all([
        feedbackSummary(prisma, operator.scope, { ...input, bucket: "day" }),
        listFeedbackMessages(prisma, operator.scope, { ...input, labels: [...queue.labels], limit: 50 }),
      ]);
      const exportHref = `/api/ui/feedback/export?${query({
        agent_id: agent.id,
        from: summary.from.slice(0, 10),
        to: new Date(Date.parse(summary.to) - 86_400_000).toISOString().slice(0, 10),
        labels: queue.labels.join(","),
      })}`;
      const t = summary.totals;
      body = (
        <>
          <section aria-labelledby="totals-heading" className="space-y-2">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h2 id="totals-heading" className="font-semibold">
                {agent.name}, {summary.from.slice(0, 10)} to{" "}
                {new Date(Date.parse(summary.to) - 86_400_000).toISOString().slice(0, 10)}
              </h2>
              <a
                href={exportHref}
                download
                className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm font-medium hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800"
              >
                Export
              </a>
            </div>
            <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
              {[
                ["Parts sent", String(t.parts)],
                ["Reacted", `${t.reacted} (${percent(t.reaction_rate)})`],
                ["Negative", `${t.labels.negative} (${percent(t.negative_rate)})`],
                ["Confused", `${t.labels.confused} (${percent(t.confused_rate)})`],
                ["Positive", `${t.labels.positive} (${percent(t.positive_rate)})`],
                ["Other", String(t.labels.other)],
              ].map(([term, value]) => (
                <div key={term} className="rounded-lg border border-neutral-200 p-2 dark:border-neutral-800">
                  <dt className="text-xs text-neutral-600 dark:text-neutral-400">{term}</dt>
                  <dd className="font-semibold">{value}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="chart-heading" className="space-y-2">
            <h2 id="chart-heading" className="font-semibold">
              Human reactions per day
            </h2>
            <ReactionsChart buckets={summary.buckets} />
          </section>
          <section aria-labelledby="queue-heading" className="space-y-2">
            <h2 id="queue-heading" className="font-semibold">
              Review queue
            </h2>
            <nav aria-label="Review queue filter" className="flex flex-wrap gap-1 text-sm">
              {QUEUES.map((q) => (
                <Link
                  key={q.value}
                  href={`/feedback?${query({ agent: agent.id, from: params.from, to: params.to, queue: q.value })}`}
                  aria-current={q.value === queue.value ? "page" : undefined}
                  className="rounded-md border border-neutral-300 px-2 py-1 hover:bg-neutral-100 aria-[current=page]:bg-neutral-900 aria-[current=page]:text-white dark:border-neutral-700 dark:hover:bg-neutral-800 dark:aria-[current=page]:bg-neutral-100 dark:aria-[current=page]:text-neutral-900"
                >
                  {q.label}
                </Link>
              ))}
            </nav>
            {items.data.length === 0 ? (
              <p className="text-sm text-neutral-600 dark:text-neutral-400">Nothing here for this period.</p>
            ) : (
              <ul
                aria-label="Review queue"
                className="divide-y divide-neutral-200 rounded-lg border border-neutral-200 dark:divide-neutral-800 dark:border-neutral-800"
              >
                {items.data.map((item) => {
                  const r = item.reaction;
                  const glyph =
                    r.kind === "custom" ? (r.custom_emoji ?? "") : r.kind === "sticker" ? "Sticker" : GLYPH[r.kind];
                  return (
                    <li key={`${item.message_id}:${item.part_index}`}>
                      <Link
                        href={`/conversations/${item.conversation_id}?message=${item.message_id}`}
                        className="flex items-start gap-3 p-3 hover:bg-neutral-50 dark:hover:bg-neutral-900"
                      >
                        <span className="w-8 shrink-0 text-center text-lg" aria-hidden="true">
                          {glyph}
                        </span>
                        <span className="sr-only">{r.kind === "custom" ? r.custom_emoji : r.kind}:</span>
                        <span className="min-w-0 flex-1">
                          <span className="block truncate text-sm">{item.text ?? "Attachment"}</span>
                          <span className="block text-xs text-neutral-600 dark:text-neutral-400">
                            <LocalTime iso={item.sent_at} options={WHEN} />
                            {item.changes > 1 ? ` · changed ${item.changes} times` : ""}
                            {item.trace_id ? ` · trace ${item.trace_id}` : ""}
                          </span>
                        </span>
                        <Badge tone={TONE[item.label]}>{item.label}</Badge>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        </>
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      body = (
        <p role="alert" className="text-sm text-red-800 dark:text-red-300">
          {error.message}
        </p>
      );
    }
  }

  return (
    <main className="min-w-0 flex-1 overflow-y-auto p-4 md:p-6">
      <div className="max-w-5xl space-y-6">
        <header className="space-y-1">
          <h1 className="text-xl font-semibold">Feedback</h1>
          <p className="text-sm text-neutral-600 dark:text-neutral-400">
            People's tapbacks on an agent's messages, as labels: 👍 ❤️ 😂 ‼️ positive, 👎 negative, ❓ confused, custom
            emoji and stickers other.
          </p>
        </header>
        <form method="get" action="/feedback" className="flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col gap-1">
            Agent
            <select
              name="agent"
              defaultValue={agent?.id}
              className="rounded-md border border-neutral-300 bg-white px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
            >
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            From
            <input
              type="date"
              name="from"
              defaultValue={params.from}
              className="rounded-md border border-neutral-300 bg-white px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
            />
          </label>
          <label className="flex flex-col gap-1">
            To
            <input
              type="date"
              name="to"
              defaultValue={params.to}
              className="rounded-md border border-neutral-300 bg-white px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
            />
          </label>
          <input type="hidden" name="queue" value={queue.value} />
          <button
            type="submit"
            className="rounded-md bg-neutral-900 px-3 py-1.5 font-medium text-white hover:bg-neutral-700 dark:bg-neutral-100 dark:text-neutral-900"
          >
            Show
          </button>
        </form>
        {!dates.success && (
          <p role="alert" className="text-sm text-red-800 dark:text-red-300">
            Those dates are not valid, so the last 30 days are shown.
          </p>
        )}
        {body}
      </div>
    </main>
  );
}

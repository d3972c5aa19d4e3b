import Link from "next/link";
import { ActionButton } from "@/components/settings/action-button";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { Page } from "@/components/ui/page";
import { Section } from "@/components/ui/section";
import { Table } from "@/components/ui/table";
import { AutoRefresh } from "@/components/webhooks/auto-refresh";
import { CreateEndpointForm } from "@/components/webhooks/create-endpoint-form";
import { EndpointActions } from "@/components/webhooks/endpoint-actions";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { listScoreDeliveries, type ScoreDeliveryObject } from "@/lib/feedback/deliveries";
import { getDelivery, listDeliveries, listEndpoints } from "@/lib/webhooks/endpoints";
import type { DeliveryDetailObject, DeliveryObject, EndpointObject } from "@/lib/webhooks/schemas";
import * as z from "@/lib/zod";
import { redeliverAction } from "./actions";

export const metadata = { title: "Webhooks · Tapdesk" };

const WHEN: Intl.DateTimeFormatOptions = {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
};

const uuid = z.uuid();

export default async function WebhooksPage({
  searchParams,
}: {
  searchParams: Promise<{ endpoint?: string; delivery?: string }>;
}) {
  const operator = await requireOwner();
  const prisma = await db();
  const params = await searchParams;
  const endpoints = await listEndpoints(prisma, operator.scope);
  const selected = endpoints.find((e) => e.id === params.endpoint) ?? endpoints[0];
  const log = selected ? await listDeliveries(prisma, operator.scope, selected.id, { limit: 50 }) : null;
  const scores = await listScoreDeliveries(prisma, operator.scope, null);
  const agentNames = new Map(
    (
      await prisma.agent.findMany({
        where: { workspaceId: operator.scope.workspaceId },
        select: { id: true, name: true },
      })
    ).map((a) => [a.id, a.name]),
  );
  let detail: DeliveryDetailObject | null = null;
  if (selected && params.delivery && uuid.safeParse(params.delivery).success) {
    detail = await getDelivery(prisma, operator.scope, selected.id, params.delivery).catch((error) => {
      if (error instanceof AppError) return null;
      throw error;
    });
  }

  return (
    <Page
      title="Webhooks"
      intro={
        <>
          Tapdesk posts reaction events to your endpoints, signed as Standard Webhooks (<code>webhook-id</code>,{" "}
          <code>webhook-timestamp</code>, <code>webhook-signature</code>). A delivery that fails is retried after 5 s, 5
          min, 30 min, 2 h, 5 h, 10 h and 10 h with the same <code>webhook-id</code>; an endpoint that answers 410 Gone
          is disabled.
        </>
      }
      width="5xl"
    >
      <CreateEndpointForm />

      <Section id="endpoints-heading" title="Endpoints">
        {endpoints.length === 0 ? (
          <p className="text-sm text-neutral-500 dark:text-neutral-400">
            No endpoints yet. Add one above to start receiving events.
          </p>
        ) : (
          <ul className="divide-y divide-neutral-200 rounded-lg border border-neutral-200 dark:divide-neutral-800 dark:border-neutral-800">
            {endpoints.map((endpoint) => (
              <EndpointRow key={endpoint.id} endpoint={endpoint} selected={endpoint.id === selected?.id} />
            ))}
          </ul>
        )}
      </Section>

      {selected && log && (
        <Section
          id="log-heading"
          title={
            <>
              Delivery log{" "}
              <span className="font-mono text-sm font-normal text-neutral-500 dark:text-neutral-400">
                {selected.url}
              </span>
            </>
          }
        >
          <AutoRefresh />
          {log.data.length === 0 ? (
            <p className="text-sm text-neutral-500 dark:text-neutral-400">
              Nothing delivered yet. Events appear here as soon as a subscribed reaction change happens.
            </p>
          ) : (
            <DeliveryTable endpoint={selected} deliveries={log.data} openId={detail?.id} />
          )}
          {log.next_cursor && (
            <p className="text-xs text-neutral-500 dark:text-neutral-400">Showing the 50 most recent deliveries.</p>
          )}
        </Section>
      )}

      {selected && detail && <DeliveryDetail endpoint={selected} delivery={detail} />}

      <Section id="scores-heading" title="Langfuse scores">
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Agents with a feedback destination (Settings → Agents) send each person's tapback on a traced message as a
          Langfuse score, retried on the same schedule. One row per message part: its latest state and every attempt.
        </p>
        {scores.length === 0 ? (
          <p className="text-sm text-neutral-500 dark:text-neutral-400">No scores sent yet.</p>
        ) : (
          <ScoreTable deliveries={scores} agentNames={agentNames} />
        )}
      </Section>
    </Page>
  );
}

function EndpointRow({ endpoint, selected }: { endpoint: EndpointObject; selected: boolean }) {
  return (
    <li className={`space-y-2 p-3 ${selected ? "bg-neutral-50 dark:bg-neutral-900/50" : ""}`}>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <span className="break-all font-mono text-sm">{endpoint.url}</span>
        {endpoint.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="red">Disabled</Badge>}
        <Link
          href={`/settings/webhooks?endpoint=${endpoint.id}`}
          aria-current={selected ? "true" : undefined}
          className="ml-auto text-sm text-blue-700 hover:underline dark:text-blue-400"
        >
          {selected ? "Showing its delivery log" : "Show delivery log"}
        </Link>
      </div>
      {endpoint.description && <p className="text-sm text-neutral-600 dark:text-neutral-400">{endpoint.description}</p>}
      {!endpoint.enabled && endpoint.disabled_reason && (
        <p className="text-sm text-red-700 dark:text-red-300">{endpoint.disabled_reason}</p>
      )}
      <p className="flex flex-wrap gap-1 text-xs">
        {endpoint.events.map((type) => (
          <code key={type} className="rounded bg-neutral-100 px-1.5 py-0.5 dark:bg-neutral-800">
            {type}
          </code>
        ))}
        {endpoint.previous_secret_expires_at && (
          <span className="text-neutral-500 dark:text-neutral-400">
            · previous secret still signs until <LocalTime iso={endpoint.previous_secret_expires_at} options={WHEN} />
          </span>
        )}
      </p>
      <EndpointActions id={endpoint.id} url={endpoint.url} enabled={endpoint.enabled} />
    </li>
  );
}

function DeliveryStatus({ delivery, endpointEnabled }: { delivery: DeliveryObject; endpointEnabled: boolean }) {
  if (delivery.in_flight) return <Badge tone="blue">Sending</Badge>;
  switch (delivery.status) {
    case "succeeded":
      return <Badge tone="green">Delivered</Badge>;
    case "dead":
      return <Badge tone="red">Gave up</Badge>;
    case "failed":
      return <Badge tone="amber">{endpointEnabled ? "Retrying" : "Held: endpoint disabled"}</Badge>;
    default:
      return <Badge tone="grey">{endpointEnabled ? "Queued" : "Held: endpoint disabled"}</Badge>;
  }
}

function response(d: { last_status_code: number | null; last_error: string | null }) {
  if (d.last_status_code !== null) return <span className="font-mono">{d.last_status_code}</span>;
  if (d.last_error) return <span className="text-red-700 dark:text-red-300">{d.last_error}</span>;
  return <span className="text-neutral-400">—</span>;
}

function DeliveryTable({
  endpoint,
  deliveries,
  openId,
}: {
  endpoint: EndpointObject;
  deliveries: DeliveryObject[];
  openId: string | undefined;
}) {
  return (
    <Table
      look="boxed"
      rows={deliveries}
      rowClassName={(d) => (d.id === openId ? "bg-blue-50/60 dark:bg-blue-950/30" : undefined)}
      columns={[
        {
          header: "Event",
          cell: (d) => (
            <>
              <div className="font-mono text-xs">{d.event_type}</div>
              <div className="font-mono text-[11px] text-neutral-500 dark:text-neutral-400" title="webhook-id">
                {d.event_id}
              </div>
            </>
          ),
        },
        { header: "Status", cell: (d) => <DeliveryStatus delivery={d} endpointEnabled={endpoint.enabled} /> },
        { header: "Attempts", className: "tabular-nums", cell: (d) => d.attempts },
        { header: "Response", className: "max-w-56 text-xs", cell: response },
        {
          header: "Next retry",
          className: "text-xs",
          cell: (d) =>
            d.status === "failed" && d.next_attempt_at && !d.in_flight ? (
              <LocalTime iso={d.next_attempt_at} options={WHEN} />
            ) : (
              <span className="text-neutral-400">—</span>
            ),
        },
        { header: "Created", className: "text-xs", cell: (d) => <LocalTime iso={d.created_at} options={WHEN} /> },
        {
          header: "Actions",
          hideHeader: true,
          className: "whitespace-nowrap text-right",
          cell: (d) => (
            <span className="inline-flex items-center gap-2">
              <Link
                href={`/settings/webhooks?endpoint=${endpoint.id}&delivery=${d.id}#delivery-detail`}
                className="text-xs text-blue-700 hover:underline dark:text-blue-400"
                aria-label={`Attempts of ${d.event_type} ${d.event_id}`}
              >
                Attempts
              </Link>
              {endpoint.enabled && (
                <ActionButton
                  action={redeliverAction}
                  input={{ endpointId: endpoint.id, deliveryId: d.id }}
                  label="Redeliver"
                  pendingLabel="Queuing…"
                  accessibleName={`Redeliver ${d.event_type} ${d.event_id}`}
                />
              )}
            </span>
          ),
        },
      ]}
    />
  );
}

function DeliveryDetail({ endpoint, delivery }: { endpoint: EndpointObject; delivery: DeliveryDetailObject }) {
  return (
    <Card id="delivery-detail" aria-labelledby="delivery-detail-heading">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 id="delivery-detail-heading" className="font-semibold">
          {delivery.event_type}{" "}
          <span className="font-mono text-sm font-normal text-neutral-500 dark:text-neutral-400">
            {delivery.event_id}
          </span>
        </h2>
        <DeliveryStatus delivery={delivery} endpointEnabled={endpoint.enabled} />
        <Link
          href={`/settings/webhooks?endpoint=${endpoint.id}`}
          className="ml-auto text-sm text-blue-700 hover:underline dark:text-blue-400"
        >
          Close
        </Link>
      </div>
      <h3 className="text-sm font-medium">Attempts</h3>
      {delivery.attempt_log.length === 0 ? (
        <p className="text-sm text-neutral-500 dark:text-neutral-400">Not attempted yet.</p>
      ) : (
        <ol className="space-y-2 text-sm">
          {delivery.attempt_log.map((a) => (
            <li key={a.number} className="rounded-md bg-neutral-50 p-2 dark:bg-neutral-900">
              <div className="flex flex-wrap gap-x-4 gap-y-1">
                <span className="font-medium">Attempt {a.number}</span>
                <LocalTime iso={a.started_at} options={WHEN} />
                <span className="tabular-nums text-neutral-500 dark:text-neutral-400">{a.duration_ms} ms</span>
                <span>{a.status_code !== null ? `HTTP ${a.status_code}` : "No response"}</span>
              </div>
              {a.error && <p className="text-red-700 dark:text-red-300">{a.error}</p>}
              {a.response_body && (
                <pre className="mt-1 max-h-24 overflow-auto whitespace-pre-wrap break-all font-mono text-xs text-neutral-600 dark:text-neutral-400">
                  {a.response_body}
                </pre>
              )}
            </li>
          ))}
        </ol>
      )}
      <h3 className="text-sm font-medium">Payload</h3>
      <pre className="max-h-80 overflow-auto rounded-md bg-neutral-50 p-3 font-mono text-xs dark:bg-neutral-900">
        {JSON.stringify(delivery.payload, null, 2)}
      </pre>
    </Card>
  );
}

function ScoreTable({
  deliveries,
  agentNames,
}: {
  deliveries: ScoreDeliveryObject[];
  agentNames: Map<string, string>;
}) {
  const tone = { succeeded: "green", failed: "amber", dead: "red", pending: "grey" } as const;
  return (
    <Table
      look="boxed"
      rows={deliveries}
      columns={[
        { header: "Agent", cell: (d) => agentNames.get(d.agent_id) ?? "—" },
        { header: "Score", className: "font-mono text-xs break-all", cell: (d) => `${d.score_id} (#${d.sequence})` },
        { header: "Operation", cell: (d) => (d.operation === "delete" ? "Delete" : "Upsert") },
        { header: "Status", cell: (d) => <Badge tone={tone[d.status]}>{d.status}</Badge> },
        {
          header: "Attempts",
          cell: (d) =>
            d.attempts.length === 0
              ? "none yet"
              : d.attempts
                  .map((a) => `${a.method} ${a.status_code ?? "no answer"}${a.error ? ` (${a.error})` : ""}`)
                  .join(" · "),
        },
        { header: "Changed", cell: (d) => <LocalTime iso={d.updated_at} options={WHEN} /> },
      ]}
    />
  );
}

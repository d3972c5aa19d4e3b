import { ActionButton } from "@/components/settings/action-button";
import { AddOperatorForm } from "@/components/settings/add-operator-form";
import { OperatorRoleSelect } from "@/components/settings/operator-role-select";
import { LocalTime } from "@/components/ui/local-time";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { listOperators } from "@/lib/operators/service";
import { removeOperatorAction } from "./actions";

export const metadata = { title: "Operators · Tapdesk" };

const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" };

export default async function OperatorsPage() {
  const operator = await requireOwner();
  const operators = await listOperators(await db(), operator.scope);
  return (
    <div className="max-w-4xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold">Operators</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Members read conversations, reply and tapback. Owners also manage agents, bridges, API keys, webhooks, contact
          rules and operators. Removing someone signs them out at once; the workspace always keeps one owner.
        </p>
      </header>

      <AddOperatorForm />

      <section aria-labelledby="operators-heading" className="space-y-2">
        <h2 id="operators-heading" className="font-semibold">
          {operators.length} {operators.length === 1 ? "operator" : "operators"}
        </h2>
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-neutral-600 dark:text-neutral-400">
              <tr>
                <th className="py-2 pr-4 font-medium">Email</th>
                <th className="py-2 pr-4 font-medium">Role</th>
                <th className="py-2 pr-4 font-medium">Added</th>
                <th className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {operators.map((op) => (
                <tr key={op.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2 pr-4 font-medium">
                    {op.email}
                    {op.id === operator.id && (
                      <span className="font-normal text-neutral-600 dark:text-neutral-400"> (you)</span>
                    )}
                  </td>
                  <td className="py-2 pr-4">
                    <OperatorRoleSelect id={op.id} email={op.email} role={op.role} />
                  </td>
                  <td className="py-2 pr-4 text-neutral-600 dark:text-neutral-400">
                    <LocalTime iso={op.createdAt} options={DAY} />
                  </td>
                  <td className="py-2 text-right">
                    <ActionButton
                      action={removeOperatorAction}
                      input={{ id: op.id }}
                      label="Remove"
                      pendingLabel="Removing…"
                      accessibleName={`Remove ${op.email}`}
                      confirm={`Remove ${op.email}? They are signed out at once and can no longer sign in.`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

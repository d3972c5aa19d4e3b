import { AddOperatorForm } from "@/components/settings/add-operator-form";
import { actionColumn, dayColumn } from "@/components/settings/columns";
import { ListPage } from "@/components/settings/list-page";
import { OperatorRoleSelect } from "@/components/settings/operator-role-select";
import { requireOwner } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { listOperators, type OperatorEntry } from "@/lib/operators/service";
import { removeOperatorAction } from "./actions";

export const metadata = { title: "Operators · Tapdesk" };

export default async function OperatorsPage() {
  const me = await requireOwner();
  return (
    <ListPage
      title="Operators"
      intro="Members read conversations, reply and tapback. Owners also manage agents, bridges, API keys, webhooks, contact rules and operators. Removing someone signs them out at once; the workspace always keeps one owner."
      width="4xl"
      form={<AddOperatorForm />}
      rows={await listOperators(await db(), me.scope)}
      noun={["operator", "operators"]}
      scroll
      columns={[
        {
          header: "Email",
          className: "font-medium",
          cell: (op) => (
            <>
              {op.email}
              {op.id === me.id && <span className="font-normal text-neutral-600 dark:text-neutral-400"> (you)</span>}
            </>
          ),
        },
        { header: "Role", cell: (op) => <OperatorRoleSelect id={op.id} email={op.email} role={op.role} /> },
        dayColumn("Added", "createdAt"),
        actionColumn("Remove", removeOperatorAction, (op: OperatorEntry) => ({
          what: op.email,
          confirm: `Remove ${op.email}? They are signed out at once and can no longer sign in.`,
        })),
      ]}
    />
  );
}

import { actionColumn, dayColumn } from "@/components/settings/columns";
import { CreateContactRuleForm } from "@/components/settings/create-contact-rule-form";
import { ListPage } from "@/components/settings/list-page";
import { requireOwner } from "@/lib/auth/session";
import type { ContactRuleObject } from "@/lib/contact-rules/schemas";
import { listContactRules } from "@/lib/contact-rules/service";
import { db } from "@/lib/db/client";
import { deleteContactRuleAction } from "./actions";

export const metadata = { title: "Contact rules · Tapdesk" };

export default async function ContactRulesPage() {
  const { scope } = await requireOwner();
  return (
    <ListPage
      title="Contact rules"
      intro={
        <>
          Agents can neither message nor react to a person whose number matches a rule: an exact number, or a prefix
          ending in <code>*</code> (<code>+1415555*</code>, or <code>+44*</code> for a whole country).
        </>
      }
      width="3xl"
      form={<CreateContactRuleForm />}
      rows={await listContactRules(await db(), scope)}
      noun={["rule", "rules"]}
      none="No rules: nobody is blocked"
      columns={[
        { header: "Blocks", className: "font-mono", cell: (rule) => rule.pattern },
        dayColumn("Added", "created_at"),
        actionColumn("Remove", deleteContactRuleAction, (rule: ContactRuleObject) => ({
          what: `the rule ${rule.pattern}`,
          confirm: `Remove the rule ${rule.pattern}? Agents can then reach matching numbers again.`,
        })),
      ]}
    />
  );
}

import { ActionButton } from "@/components/settings/action-button";
import { CreateContactRuleForm } from "@/components/settings/create-contact-rule-form";
import { LocalTime } from "@/components/ui/local-time";
import { requireOwner } from "@/lib/auth/session";
import { listContactRules } from "@/lib/contact-rules/service";
import { db } from "@/lib/db/client";
import { deleteContactRuleAction } from "./actions";

export const metadata = { title: "Contact rules · Tapdesk" };

const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" };

export default async function ContactRulesPage() {
  const operator = await requireOwner();
  const rules = await listContactRules(await db(), operator.scope);
  return (
    <div className="max-w-3xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold">Contact rules</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Agents can neither message nor react to a person whose number matches a rule: an exact number, or a prefix
          ending in <code>*</code> (<code>+1415555*</code>, or <code>+44*</code> for a whole country).
        </p>
      </header>

      <CreateContactRuleForm />

      <section aria-labelledby="rules-heading" className="space-y-2">
        <h2 id="rules-heading" className="font-semibold">
          {rules.length === 0
            ? "No rules: nobody is blocked"
            : `${rules.length} ${rules.length === 1 ? "rule" : "rules"}`}
        </h2>
        {rules.length > 0 && (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
              <tr>
                <th className="py-2 pr-4 font-medium">Blocks</th>
                <th className="py-2 pr-4 font-medium">Added</th>
                <th className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => (
                <tr key={rule.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2 pr-4 font-mono">{rule.pattern}</td>
                  <td className="py-2 pr-4 text-neutral-500 dark:text-neutral-400">
                    <LocalTime iso={rule.created_at} options={DAY} />
                  </td>
                  <td className="py-2 text-right">
                    <ActionButton
                      action={deleteContactRuleAction}
                      input={{ id: rule.id }}
                      label="Remove"
                      pendingLabel="Removing…"
                      accessibleName={`Remove the rule ${rule.pattern}`}
                      confirm={`Remove the rule ${rule.pattern}? Agents can then reach matching numbers again.`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

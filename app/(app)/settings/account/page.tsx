import { ChangePasswordForm } from "@/components/settings/change-password-form";
import { requireOperator } from "@/lib/auth/session";
import { MIN_PASSWORD } from "@/lib/operators/schemas";

export const metadata = { title: "Your account · Tapdesk" };

export default async function AccountPage() {
  const operator = await requireOperator();
  return (
    <div className="max-w-3xl space-y-6">
      <header className="space-y-1">
        <h1 className="text-xl font-semibold">Your account</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Signed in as {operator.email}, {operator.role === "owner" ? "an owner" : "a member"} of this workspace.
        </p>
      </header>
      <ChangePasswordForm minLength={MIN_PASSWORD} />
    </div>
  );
}

import { ChangePasswordForm } from "@/components/settings/change-password-form";
import { Page } from "@/components/ui/page";
import { requireOperator } from "@/lib/auth/session";
import { MIN_PASSWORD } from "@/lib/operators/schemas";

export const metadata = { title: "Your account · Tapdesk" };

export default async function AccountPage() {
  const { email, role } = await requireOperator();
  const who = role === "owner" ? "an owner" : "a member";
  return (
    <Page
      title="Your account"
      intro={
        <>
          Signed in as {email}, {who} of this workspace.
        </>
      }
      width="3xl"
    >
      <ChangePasswordForm minLength={MIN_PASSWORD} />
    </Page>
  );
}

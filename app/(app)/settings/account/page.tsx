import { signOutEverywhereAction } from "@/app/login/actions";
import { ChangePasswordForm } from "@/components/settings/change-password-form";
import { NotificationsSetting } from "@/components/settings/notifications-setting";
import { Button } from "@/components/ui/button";
import { Page } from "@/components/ui/page";
import { requireOperator } from "@/lib/auth/session";
import { MIN_PASSWORD } from "@/lib/operators/schemas";

export const metadata = { title: "Your account · Tapdesk" };

export default async function AccountPage() {
  const { email, role, notifyTakenOver } = await requireOperator();
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
      <NotificationsSetting initial={notifyTakenOver} />
      <ChangePasswordForm minLength={MIN_PASSWORD} />
      <form action={signOutEverywhereAction} className="mt-8 max-w-sm space-y-3" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading" className="font-semibold">
          Your sessions
        </h2>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">
          Ends your sessions in every browser and on every device, this one included; copies of their cookies stop
          working too.
        </p>
        <Button type="submit" variant="secondary">
          Sign out everywhere
        </Button>
      </form>
    </Page>
  );
}

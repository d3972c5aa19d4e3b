import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { currentOperator } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function LoginPage() {
  if (await currentOperator()) redirect("/conversations");
  return (
    <main className="flex min-h-dvh items-center justify-center bg-neutral-50 px-4 dark:bg-neutral-950">
      <div className="w-full max-w-sm space-y-6 rounded-2xl bg-white p-8 shadow-sm ring-1 ring-black/5 dark:bg-neutral-900">
        <div>
          <h1 className="text-xl font-semibold">Sign in to Tapdesk</h1>
          <p className="mt-1 text-sm text-neutral-500 dark:text-neutral-400">
            The first start of the server printed your sign-in.
          </p>
        </div>
        <LoginForm />
      </div>
    </main>
  );
}

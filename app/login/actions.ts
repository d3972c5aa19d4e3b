"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { signIn, signOut } from "@/lib/auth/session";
import { clientAddress, throttledSignIn } from "@/lib/auth/throttle";
import * as z from "@/lib/zod";

const credentials = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(320),
  password: z.string().min(1, "Enter your password.").max(1024),
});

/** The failed attempt's email comes back so the form can keep it (React resets forms after actions). */
export type SignInState = { error: string; email: string } | null;

export async function signInAction(_: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  const parsed = credentials.safeParse({ email, password: form.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password.", email };
  const address = clientAddress(await headers());
  const outcome = await throttledSignIn(parsed.data.email, address, () =>
    signIn(parsed.data.email, parsed.data.password),
  );
  if (!outcome.ok) return { error: outcome.error, email };
  redirect("/conversations");
}

/** Ends the session on the server (lib/auth/session.ts): a copy of the cookie stops working too. */
export async function signOutAction(): Promise<void> {
  await signOut();
  redirect("/login");
}

/**
 * The account page's "Sign out everywhere": every session of the operator ends, on every
 * device, this one included (a lost phone, a shared computer).
 */
export async function signOutEverywhereAction(): Promise<void> {
  await signOut();
  redirect("/login");
}

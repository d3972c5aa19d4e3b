"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { signIn, signOut } from "@/lib/auth/session";

const credentials = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(320),
  password: z.string().min(1, "Enter your password.").max(1024),
});

export async function signInAction(_: { error: string } | null, form: FormData): Promise<{ error: string } | null> {
  const parsed = credentials.safeParse({ email: form.get("email"), password: form.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password." };
  if (!(await signIn(parsed.data.email, parsed.data.password))) {
    return { error: "That email and password don't match an operator. Check them and try again." };
  }
  redirect("/conversations");
}

export async function signOutAction(): Promise<void> {
  await signOut();
  redirect("/login");
}

import { redirect } from "next/navigation";
import { requireOperator } from "@/lib/auth/session";

export default async function Settings() {
  const operator = await requireOperator();
  redirect(operator.role === "owner" ? "/settings/agents" : "/settings/account");
}

"use server";

import { operatorAction } from "@/lib/actions";
import { startSession } from "@/lib/auth/session";
import { changePasswordInput } from "@/lib/operators/schemas";
import { changeOwnPassword } from "@/lib/operators/service";

/** Every operator changes their own password; their other sessions end, this one stays. */
export const changePasswordAction = operatorAction(changePasswordInput, async ({ operator, db }, input) => {
  const epoch = await changeOwnPassword(db, operator.id, input);
  await startSession(operator.id, epoch);
  return null;
});

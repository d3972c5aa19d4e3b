"use server";

import { headers } from "next/headers";
import { operatorAction } from "@/lib/actions";
import { startSession } from "@/lib/auth/session";
import { clientAddress, throttledCheck, tryAgainSentence } from "@/lib/auth/throttle";
import { AppError } from "@/lib/errors";
import { changePasswordInput } from "@/lib/operators/schemas";
import { changeOwnPassword, setNotifyTakenOver } from "@/lib/operators/service";
import * as z from "@/lib/zod";

/**
 * Every operator changes their own password; their other sessions end, this one stays. The
 * current password is checked under the sign-in throttles (the same counters): a stolen
 * session cannot guess it faster than a stranger at the login page.
 */
export const changePasswordAction = operatorAction(changePasswordInput, async ({ operator, db }, input) => {
  let epoch = 0;
  const outcome = await throttledCheck(operator.email, clientAddress(await headers()), async () => {
    try {
      epoch = await changeOwnPassword(db, operator.id, input);
      return true;
    } catch (error) {
      if (error instanceof AppError && error.code === "wrong_password") return false;
      throw error;
    }
  });
  if (!outcome.ok) {
    if (outcome.checked && outcome.lockedMs === 0) throw new AppError("wrong_password");
    if (outcome.checked) {
      throw new AppError(
        "wrong_password",
        `Your current password is not right, and that was too many tries. ${tryAgainSentence(outcome.lockedMs)}`,
      );
    }
    throw new AppError("too_many_requests", `Too many wrong current passwords. ${tryAgainSentence(outcome.lockedMs)}`);
  }
  await startSession(operator.id, epoch);
  return null;
});

/** Opt in or out of browser notifications for the conversations this operator took over. */
export const setNotificationsAction = operatorAction(z.object({ on: z.boolean() }), async ({ operator, db }, input) => {
  await setNotifyTakenOver(db, operator.id, input.on);
  return null;
});

"use server";

import { ownerAction } from "@/lib/actions";
import { addOperatorInput, changeRoleInput, removeOperatorInput } from "@/lib/operators/schemas";
import { addOperator, changeRole, removeOperator } from "@/lib/operators/service";

// Settings → Operators: owners add, re-role and remove the workspace's operators.

export const addOperatorAction = ownerAction(addOperatorInput, async ({ operator, db }, input) => {
  const added = await addOperator(db, operator.scope, input);
  return { email: added.email, role: added.role, password: added.password };
});

export const changeRoleAction = ownerAction(changeRoleInput, async ({ operator, db }, input) => {
  await changeRole(db, operator.scope, input.id, input.role);
  return null;
});

export const removeOperatorAction = ownerAction(removeOperatorInput, async ({ operator, db }, input) => {
  await removeOperator(db, operator.scope, input.id);
  return null;
});

"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/actions";

/**
 * Runs a settings server action in a transition: on failure keeps its plain sentence in
 * `error`; on success hands over the data and refreshes the server-rendered page.
 */
export function useRefreshingAction() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState("");

  function run<T>(action: () => Promise<ActionResult<T>>, then?: (data: T) => void) {
    setError("");
    startTransition(async () => {
      const result = await action();
      if (!result.ok) return setError(result.error);
      then?.(result.data);
      router.refresh();
    });
  }

  return { pending, error, run };
}

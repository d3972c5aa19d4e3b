import { LocalTime } from "@/components/ui/local-time";
import type { Column } from "@/components/ui/table";
import { ActionButton, type ActionButtonProps } from "./action-button";

const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric" };

/** The day in a row's `key` (an ISO time), in the operator's time zone, in grey. */
export function dayColumn<K extends string>(header: string, key: K): Column<Record<K, string>> {
  return {
    header,
    className: "text-neutral-500 dark:text-neutral-400",
    cell: (row) => <LocalTime iso={row[key]} options={DAY} />,
  };
}

const PENDING = { Revoke: "Revoking…", Remove: "Removing…" };

/**
 * The last column: one action on the row, by its id (revoke, remove), its header for screen
 * readers only. The button is named "<verb> <what>"; `confirm` asks first.
 */
export function actionColumn<T extends { id: string }>(
  verb: keyof typeof PENDING,
  action: ActionButtonProps<{ id: string }>["action"],
  row: (row: T) => { what: string; confirm: string },
): Column<T> {
  return {
    header: "Actions",
    hideHeader: true,
    className: "text-right",
    cell: (r) => {
      const { what, confirm } = row(r);
      return (
        <ActionButton
          action={action}
          input={{ id: r.id }}
          label={verb}
          pendingLabel={PENDING[verb]}
          accessibleName={`${verb} ${what}`}
          confirm={confirm}
        />
      );
    },
  };
}

import { cx } from "./cx";

/**
 * A send that failed, in a red banner: its sentence, Retry when trying again can help, and
 * Dismiss. `className` places it (margins).
 */
export function RetryAlert({
  message,
  onRetry,
  onDismiss,
  className,
}: {
  message: string;
  onRetry?: () => void;
  onDismiss: () => void;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={cx(
        "flex flex-wrap items-center gap-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
        className,
      )}
    >
      <p className="min-w-0 flex-1">{message}</p>
      {onRetry && (
        <button
          type="button"
          onClick={onRetry}
          className="rounded-md bg-red-700 px-3 py-1 font-medium text-white hover:bg-red-800"
        >
          Retry
        </button>
      )}
      <button type="button" onClick={onDismiss} className="text-red-800 underline dark:text-red-200">
        Dismiss
      </button>
    </div>
  );
}

import { cx } from "./cx";

export interface Column<T> {
  header: string;
  /** The header is read to screen readers only (an actions column). */
  hideHeader?: boolean;
  /** The cells' own look (font, colour, alignment). */
  className?: string;
  cell: (row: T) => React.ReactNode;
}

const LOOKS = {
  /** Rows ruled by a line, as the settings lists. */
  plain: {
    wrapper: "overflow-x-auto",
    head: "text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400",
    body: undefined,
    row: "border-t border-neutral-200 dark:border-neutral-800",
  },
  /** In a bordered box with a tinted header, as the delivery log. */
  boxed: {
    wrapper: "overflow-x-auto rounded-lg border border-neutral-200 dark:border-neutral-800",
    head: "bg-neutral-50 text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400 dark:bg-neutral-900",
    body: "divide-y divide-neutral-200 dark:divide-neutral-800",
    row: undefined,
  },
};

/** A cell's padding: the plain look leaves the last column without a right gutter. */
function padding(look: keyof typeof LOOKS, last: boolean) {
  if (look === "boxed") return "px-3 py-2";
  return last ? "py-2" : "py-2 pr-4";
}

/**
 * A table of rows (keyed by their id), one column definition per column. `scroll` lets a wide table scroll on
 * its own (the boxed look always does); `rowClassName` marks a row (the open one).
 */
export function Table<T extends { id: string }>({
  rows,
  columns,
  look = "plain",
  scroll = look === "boxed",
  rowClassName,
}: {
  rows: readonly T[];
  columns: readonly Column<NoInfer<T>>[];
  look?: keyof typeof LOOKS;
  scroll?: boolean;
  rowClassName?: (row: T) => string | undefined;
}) {
  const styles = LOOKS[look];
  const last = columns.length - 1;
  const table = (
    <table className="w-full text-left text-sm">
      <thead className={styles.head}>
        <tr>
          {columns.map((column, i) => (
            <th key={column.header} scope="col" className={cx(padding(look, i === last), "font-medium")}>
              {column.hideHeader ? <span className="sr-only">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className={styles.body}>
        {rows.map((row) => (
          <tr key={row.id} className={cx(styles.row, rowClassName?.(row))}>
            {columns.map((column, i) => (
              <td key={column.header} className={cx(padding(look, i === last), column.className)}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div className={styles.wrapper}>{table}</div> : table;
}

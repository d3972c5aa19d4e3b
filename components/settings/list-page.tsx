import { Page } from "@/components/ui/page";
import { Section } from "@/components/ui/section";
import { type Column, Table } from "@/components/ui/table";

/**
 * The layout the settings lists share (agents, API keys, contact rules, operators): the page's
 * header, the form that adds one, then the rows as a table under a heading that counts them
 * ("3 agents"). With `none`, an empty list is that sentence instead of an empty table.
 * `children` come after the list.
 */
export function ListPage<T extends { id: string }>({
  title,
  intro,
  width = "5xl",
  form,
  rows,
  noun: [one, many],
  none,
  columns,
  scroll,
  children,
}: {
  title: string;
  intro: React.ReactNode;
  width?: "3xl" | "4xl" | "5xl";
  form: React.ReactNode;
  rows: readonly T[];
  /** What one row is, and many: ["agent", "agents"]. */
  noun: [string, string];
  none?: string;
  columns: readonly Column<NoInfer<T>>[];
  scroll?: boolean;
  children?: React.ReactNode;
}) {
  const empty = rows.length === 0 && none !== undefined;
  const id = `${many.replaceAll(" ", "-")}-heading`;
  return (
    <Page title={title} intro={intro} width={width}>
      {form}
      <Section
        id={id}
        title={
          empty ? (
            none
          ) : (
            <>
              {rows.length} {rows.length === 1 ? one : many}
            </>
          )
        }
      >
        {!empty && <Table rows={rows} columns={columns} scroll={scroll} />}
      </Section>
      {children}
    </Page>
  );
}

import { Card } from "./card";

/**
 * A titled part of a page: a <section> named by its <h2> (aria-labelledby `id`). `card`
 * frames it in a Card; `roomy` spaces its content wider.
 */
export function Section({
  id,
  title,
  card = false,
  roomy = false,
  children,
}: {
  id: string;
  title: React.ReactNode;
  card?: boolean;
  roomy?: boolean;
  children: React.ReactNode;
}) {
  const heading = (
    <h2 id={id} className="font-semibold">
      {title}
    </h2>
  );
  if (card) {
    return (
      <Card aria-labelledby={id}>
        {heading}
        {children}
      </Card>
    );
  }
  return (
    <section aria-labelledby={id} className={roomy ? "space-y-3" : "space-y-2"}>
      {heading}
      {children}
    </section>
  );
}

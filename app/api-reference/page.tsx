import type { Metadata } from "next";
import Link from "next/link";
import { Fragment } from "react";
import { openApiDocument } from "@/lib/api/openapi";

export const metadata: Metadata = { title: "API reference · Tapdesk" };

/**
 * The API reference, rendered from the same OpenAPI document as /api/v1/openapi.json
 * (itself generated from the zod schemas): what this page says is what the code does.
 * Public, like the document.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

type Parameter = { name: string; in: string; required?: boolean; description?: string; schema: Schema; $ref?: string };
type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  "x-error-codes": string[];
};

const METHOD_STYLE: Record<string, string> = {
  get: "bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-200",
  post: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200",
  put: "bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200",
  patch: "bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200",
  delete: "bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-200",
};

const refName = (ref: string) => ref.split("/").at(-1) ?? ref;

/** Inline `code` spans of the document's descriptions. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/).map((piece, i) =>
        piece.startsWith("`") && piece.endsWith("`") ? (
          <code key={i} className="rounded bg-neutral-100 px-1 py-0.5 text-[0.85em] dark:bg-neutral-800">
            {piece.slice(1, -1)}
          </code>
        ) : (
          <Fragment key={i}>{piece}</Fragment>
        ),
      )}
    </>
  );
}

function TypeOf({ schema }: { schema: Schema }) {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a href={`#schema-${name}`} className="text-sky-700 underline dark:text-sky-300">
        {name}
      </a>
    );
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    return (
      <>
        {union.map((s, i) => (
          <Fragment key={i}>
            {i > 0 && " | "}
            <TypeOf schema={s} />
          </Fragment>
        ))}
      </>
    );
  }
  if (schema.enum) return <>{schema.enum.map((v) => JSON.stringify(v)).join(" | ")}</>;
  if (schema.const !== undefined) return <>{JSON.stringify(schema.const)}</>;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ["any"];
  return (
    <>
      {types.map((t, i) => (
        <Fragment key={t}>
          {i > 0 && " | "}
          {t === "array" && schema.items ? (
            <>
              array of <TypeOf schema={schema.items} />
            </>
          ) : (
            t
          )}
        </Fragment>
      ))}
      {schema.format && <span className="text-neutral-500 dark:text-neutral-400"> ({schema.format})</span>}
    </>
  );
}

function bounds(schema: Schema): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined && schema.minLength > 0) parts.push(`${schema.minLength}+ chars`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.minItems !== undefined) parts.push(`${schema.minItems}+ items`);
  if (schema.maxItems !== undefined) parts.push(`≤ ${schema.maxItems} items`);
  return parts.join(", ");
}

function Fields({ schema }: { schema: Schema }) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return <p className="text-sm text-neutral-500 dark:text-neutral-400">No fields.</p>;
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
        <tr>
          <th className="py-1 pr-4 font-medium">Field</th>
          <th className="py-1 pr-4 font-medium">Type</th>
          <th className="py-1 font-medium">Notes</th>
        </tr>
      </thead>
      <tbody className="align-top">
        {properties.map(([name, property]) => (
          <tr key={name} className="border-t border-neutral-200 dark:border-neutral-800">
            <td className="py-1.5 pr-4 font-mono">
              {name}
              {schema.required?.includes(name) ? "" : <span className="text-neutral-400">?</span>}
            </td>
            <td className="py-1.5 pr-4">
              <TypeOf schema={property} />
            </td>
            <td className="py-1.5 text-neutral-600 dark:text-neutral-300">
              {property.description && <Prose text={property.description} />}
              {bounds(property) && <span className="text-neutral-500 dark:text-neutral-400"> {bounds(property)}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function ApiReference() {
  const doc = openApiDocument();
  const schemas = doc.components.schemas as Record<string, Schema>;
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, op]) => ({ path, method, op })),
  );
  const tags = doc.tags.map((t) => t.name);
  const resolve = (schema: Schema): Schema => (schema.$ref ? (schemas[refName(schema.$ref)] ?? schema) : schema);

  return (
    <div className="h-dvh overflow-y-auto">
      <header className="sticky top-0 z-10 flex items-center gap-6 border-b border-neutral-200 bg-white/90 px-6 py-2 text-sm backdrop-blur dark:border-neutral-800 dark:bg-neutral-950/90">
        <Link href="/conversations" className="font-semibold tracking-tight">
          Tapdesk
        </Link>
        <span className="text-neutral-500 dark:text-neutral-400">API reference</span>
        <a href="/api/v1/openapi.json" className="ml-auto text-sky-700 underline dark:text-sky-300">
          openapi.json
        </a>
      </header>
      <div className="mx-auto flex max-w-6xl gap-10 px-6 py-8">
        <nav aria-label="Endpoints" className="sticky top-16 hidden h-fit w-60 shrink-0 text-sm lg:block">
          {tags.map((tag) => (
            <div key={tag} className="mb-4">
              <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
                {tag}
              </h2>
              <ul className="space-y-0.5">
                {operations
                  .filter(({ op }) => op.tags.includes(tag))
                  .map(({ op }) => (
                    <li key={op.operationId}>
                      <a href={`#${op.operationId}`} className="hover:underline">
                        {op.summary}
                      </a>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
          <a
            href="#schemas"
            className="text-xs font-semibold uppercase tracking-wide text-neutral-500 dark:text-neutral-400 hover:underline"
          >
            Objects
          </a>
        </nav>

        <main className="min-w-0 flex-1 space-y-12">
          <section className="space-y-3">
            <h1 className="text-2xl font-semibold">{doc.info.title}</h1>
            {doc.info.description.split("\n\n").map((paragraph) => (
              <p key={paragraph.slice(0, 40)} className="text-neutral-700 dark:text-neutral-300">
                <Prose text={paragraph} />
              </p>
            ))}
            <p className="text-neutral-700 dark:text-neutral-300">
              Base URL: <code className="rounded bg-neutral-100 px-1 dark:bg-neutral-800">/api/v1</code>
            </p>
          </section>

          {tags.map((tag) => (
            <section key={tag} className="space-y-10">
              <h2 className="border-b border-neutral-200 pb-1 text-xl font-semibold dark:border-neutral-800">{tag}</h2>
              {operations
                .filter(({ op }) => op.tags.includes(tag))
                .map(({ path, method, op }) => {
                  const parameters = (op.parameters ?? []).filter((p) => !p.$ref);
                  const idempotent = (op.parameters ?? []).some((p) => p.$ref);
                  const body = op.requestBody?.content["application/json"]?.schema;
                  const success = Object.entries(op.responses).filter(([status]) => status.startsWith("2"));
                  return (
                    <article key={op.operationId} id={op.operationId} className="scroll-mt-16 space-y-3">
                      <h3 className="text-lg font-semibold">{op.summary}</h3>
                      <p className="flex items-center gap-2 font-mono text-sm">
                        <span className={`rounded px-1.5 py-0.5 text-xs font-bold uppercase ${METHOD_STYLE[method]}`}>
                          {method}
                        </span>
                        {path}
                      </p>
                      {op.description && (
                        <p className="text-neutral-700 dark:text-neutral-300">
                          <Prose text={op.description} />
                        </p>
                      )}
                      {parameters.length > 0 && (
                        <div>
                          <h4 className="mb-1 text-sm font-semibold">Parameters</h4>
                          <ul className="space-y-1 text-sm">
                            {parameters.map((p) => (
                              <li key={`${p.in}-${p.name}`}>
                                <span className="font-mono">{p.name}</span>{" "}
                                <span className="text-neutral-500 dark:text-neutral-400">
                                  ({p.in}, <TypeOf schema={p.schema} />
                                  {bounds(p.schema) && `, ${bounds(p.schema)}`})
                                </span>
                                {p.description && (
                                  <>
                                    {" "}
                                    — <Prose text={p.description} />
                                  </>
                                )}
                              </li>
                            ))}
                          </ul>
                        </div>
                      )}
                      {body && (
                        <div>
                          <h4 className="mb-1 text-sm font-semibold">
                            Request body{op.requestBody?.required ? "" : " (optional)"}
                          </h4>
                          <Fields schema={resolve(body)} />
                        </div>
                      )}
                      {idempotent && (
                        <p className="text-sm text-neutral-600 dark:text-neutral-400">
                          Accepts <code>Idempotency-Key</code>.
                        </p>
                      )}
                      <div>
                        <h4 className="mb-1 text-sm font-semibold">Responses</h4>
                        <ul className="space-y-1 text-sm">
                          {success.map(([status, reply]) => {
                            const schema = reply.content?.["application/json"]?.schema;
                            return (
                              <li key={status}>
                                <span className="font-mono font-semibold">{status}</span> {reply.description}
                                {schema && (
                                  <>
                                    {" "}
                                    → <TypeOf schema={schema} />
                                  </>
                                )}
                              </li>
                            );
                          })}
                        </ul>
                      </div>
                      <div>
                        <h4 className="mb-1 text-sm font-semibold">Errors, in the order they are checked</h4>
                        <ol className="flex flex-wrap gap-1.5 text-xs">
                          {op["x-error-codes"].map((code) => {
                            const status = Object.entries(op.responses).find(([, r]) =>
                              r.description.split(", ").includes(code),
                            )?.[0];
                            return (
                              <li
                                key={code}
                                className="rounded border border-neutral-200 px-1.5 py-0.5 font-mono dark:border-neutral-700"
                              >
                                {status} {code}
                              </li>
                            );
                          })}
                        </ol>
                      </div>
                    </article>
                  );
                })}
            </section>
          ))}

          <section id="schemas" className="scroll-mt-16 space-y-8">
            <h2 className="border-b border-neutral-200 pb-1 text-xl font-semibold dark:border-neutral-800">Objects</h2>
            {Object.entries(schemas).map(([name, schema]) => (
              <article key={name} id={`schema-${name}`} className="scroll-mt-16 space-y-2">
                <h3 className="font-mono font-semibold">{name}</h3>
                {schema.description && <p className="text-sm">{schema.description}</p>}
                {schema.properties ? (
                  <Fields schema={schema} />
                ) : (
                  <p className="text-sm">
                    <TypeOf schema={schema} />
                  </p>
                )}
              </article>
            ))}
          </section>
        </main>
      </div>
    </div>
  );
}

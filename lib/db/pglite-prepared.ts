import { type PGlite, parse, protocol, type QueryOptions, type Results } from "@electric-sql/pglite";

/**
 * PGlite's `query` for the statements every send runs (marked as `marker` opens their text, see
 * PREPARED in lib/db/client.ts): parsed once under a name, then only bound and executed, as
 * PostgreSQL's driver does with named statements. PGlite's own `query` parses, analyzes and plans
 * every statement afresh, and in its WebAssembly that is most of a send's cost. Everything else
 * (unmarked statements, transactions, which PGlite runs on its own transaction object) goes to
 * PGlite's `query` unchanged. The steps are PGlite's own (0.5: parse, describe the statement,
 * bind, describe the portal, execute, sync), under the same locks, through its protocol API.
 */
export function withPreparedStatements(lite: PGlite, marker: string): PGlite {
  const prepared = new Map<string, { name: string; types: number[] }>();
  // Never reused: a parse that succeeded leaves its name taken even if describing it then failed.
  let named = 0;
  const plain = lite.query.bind(lite);
  const run = (message: Uint8Array) => lite.execProtocolStream(message, { syncToFs: false });

  async function query<T>(sql: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (!sql.startsWith(marker)) return plain<T>(sql, params, options);
    // As PGlite's own query: after any transaction in progress, then alone.
    await lite._checkReady();
    return lite._runExclusiveTransaction(() =>
      lite._runExclusiveQuery(async () => {
        const messages = [];
        try {
          let statement = prepared.get(sql);
          if (!statement) {
            named += 1;
            const name = `tapdesk_${named}`;
            await run(protocol.serialize.parse({ name, text: sql }));
            // A named statement outlives an error after its parse (it is not transactional).
            statement = {
              name,
              types: parse.parseDescribeStatementResults(await run(protocol.serialize.describe({ type: "S", name }))),
            };
            prepared.set(sql, statement);
          }
          const { types } = statement;
          const values = params.map((value, i) => {
            if (value === null || value === undefined) return null;
            const serialize = options?.serializers?.[types[i] as number] ?? lite.serializers[types[i] as number];
            return serialize ? serialize(value) : String(value);
          });
          messages.push(
            ...(await run(protocol.serialize.bind({ statement: statement.name, values }))),
            ...(await run(protocol.serialize.describe({ type: "P" }))),
            ...(await run(protocol.serialize.execute({}))),
          );
        } finally {
          messages.push(...(await run(protocol.serialize.sync())));
        }
        // As PGlite's own query does outside a transaction.
        await lite.syncToFs();
        return parse.parseResults(messages, lite.parsers, options)[0] as Results<T>;
      }),
    );
  }

  return new Proxy(lite, {
    get(target, property) {
      if (property === "query") return query;
      const value = Reflect.get(target, property, target);
      // PGlite's methods use private fields: they must run on the instance, not on the proxy.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

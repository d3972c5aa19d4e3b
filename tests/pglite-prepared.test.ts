import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREPARED } from "@/lib/db/client";
import { withPreparedStatements } from "@/lib/db/pglite-prepared";

// The hot statements' prepared path on PGlite (lib/db/pglite-prepared.ts) answers as PGlite's own
// query does: the same rows, the same errors, and never inside another caller's transaction.
describe("prepared statements on PGlite", () => {
  let lite: PGlite;
  let db: PGlite;

  beforeAll(async () => {
    lite = await PGlite.create();
    db = withPreparedStatements(lite, PREPARED);
    await lite.exec("CREATE TABLE item (id int PRIMARY KEY, name text, at timestamp)");
  });
  afterAll(() => lite.close());

  const insert = `${PREPARED} INSERT INTO item (id, name, at) VALUES ($1, $2, $3::timestamp) RETURNING id, name, at`;

  it("binds each call's parameters to the one statement, and parses the rows as PGlite does", async () => {
    const first = await db.query<{ id: number; name: string; at: Date }>(insert, [1, "one", "2026-01-02T03:04:05"]);
    const second = await db.query<{ id: number; name: string; at: Date }>(insert, [2, null, "2026-01-02T03:04:06"]);
    expect(first.rows).toEqual([{ id: 1, name: "one", at: new Date("2026-01-02T03:04:05Z") }]);
    expect(second.rows).toEqual([{ id: 2, name: null, at: new Date("2026-01-02T03:04:06Z") }]);
    const plain = await db.query("SELECT id, name, at FROM item ORDER BY id");
    expect(plain.rows).toEqual([...first.rows, ...second.rows]);
    expect((await db.query(`${PREPARED} SELECT name FROM item WHERE id = $1`, [1], { rowMode: "array" })).rows).toEqual(
      [["one"]],
    );
  });

  it("fails as PGlite does, and the next statement runs", async () => {
    await expect(db.query(insert, [1, "again", "2026-01-02T03:04:05"])).rejects.toMatchObject({ code: "23505" });
    expect((await db.query(insert, [3, "three", "2026-01-02T03:04:07"])).rows).toHaveLength(1);
  });

  it("waits for a transaction in progress instead of running inside it", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db.transaction(async (tx) => {
      await tx.query("INSERT INTO item (id, name) VALUES (10, 'in the transaction')");
      await held;
      await tx.rollback();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const read = db.query<{ n: number }>(`${PREPARED} SELECT count(*)::int AS n FROM item WHERE id = $1`, [10]);
    release();
    await transaction;
    expect((await read).rows).toEqual([{ n: 0 }]);
  });
});

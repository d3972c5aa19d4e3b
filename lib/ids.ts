/** Any 8-4-4-4-12 hex id, as PostgreSQL's uuid type accepts it (not only RFC versions). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs name nothing; checking first keeps them away from uuid columns. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

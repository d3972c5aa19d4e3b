/**
 * What the browser suite and its server agree on. The server seeds its demo workspace with
 * these (TAPDESK_ADMIN_EMAIL, TAPDESK_ADMIN_PASSWORD, TAPDESK_BOOTSTRAP_API_KEY), so the tests
 * know how to sign in and which key drives the API and the sandbox controls.
 */
export const PORT = Number(process.env.TAPDESK_E2E_PORT || 3200);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The same suite against the same build on a fresh PostgreSQL database (ports after the two-instance spec's). */
export const PG_PORT = PORT + 10;
export const PG_BASE_URL = `http://127.0.0.1:${PG_PORT}`;
const pgServer = new URL(process.env.TAPDESK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test");
pgServer.pathname = `/tapdesk_e2e_${PG_PORT}`;
export const PG_DATABASE_URL = pgServer.toString();
/**
 * The PostgreSQL server's secret key (a throwaway value for a throwaway database): `npm run
 * workspace` on that database unseals the instance token with it, so both must share it.
 */
export const PG_SECRET_KEY = "dGFwZGVzay1lMmUtcGcta2V5LTMyLWJ5dGVzLWxvbmc=";
/** Where the embedded-database server keeps its data (and the instance token of `npm run workspace`). */
export const DATA_DIR = process.env.TAPDESK_E2E_DATA_DIR || "/tmp/tapdesk-e2e-data";
/** The production build the web server makes; the two-instance spec serves it too. */
export const DIST_DIR = ".next-e2e";

export const OPERATOR = {
  email: "operator@e2e.tapdesk.test",
  password: "e2e-correct-horse-battery-staple",
};

/** Workspace-wide key of the seeded workspace; a throwaway value for a throwaway database. */
export const API_KEY = "td_e2e-bootstrap-key-for-the-browser-suite-only";

/** The seed's first agent: sandbox conversations created without agent_id belong to it. */
export const AGENT_NAME = "Ava";

/** How long a change may take to show up through polling (the view polls about every 2 s). */
export const LIVE = { timeout: 10_000 };

// `npm run workspace -- create --name "Acme" --owner ops@acme.test` and `npm run workspace -- list`.
//
// With PostgreSQL (DATABASE_URL) the command works on the database directly, as any app instance
// may. The embedded database belongs to the running server alone, so the command asks that server,
// with the instance token the server wrote beside the data.
import { parseArgs } from "node:util";
import { credentialsFrame } from "../lib/credentials-frame";
import { dataDir, openDatabase } from "../lib/db/client";
import { AppError } from "../lib/errors";
import { readInstanceToken } from "../lib/workspaces/instance-token";
import { type CreatedWorkspace, createWorkspaceBody, type WorkspaceSummary } from "../lib/workspaces/schemas";
import { createWorkspace, listWorkspaces } from "../lib/workspaces/service";

const USAGE = `Usage:
  npm run workspace -- create --name "Acme" --owner ops@acme.test
  npm run workspace -- list
  npm run workspace -- --help`;

class Failure extends Error {}

interface Backend {
  signInBase: string;
  create(body: unknown): Promise<CreatedWorkspace>;
  list(): Promise<WorkspaceSummary[]>;
  close(): Promise<void>;
}

async function direct(url: string): Promise<Backend> {
  const database = await openDatabase({ url });
  return {
    signInBase: `http://localhost:${process.env.PORT || "3000"}`,
    create: async (body) => {
      const parsed = createWorkspaceBody.safeParse(body);
      if (!parsed.success)
        throw new Failure(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
      return createWorkspace(database.prisma, parsed.data);
    },
    list: () => listWorkspaces(database.prisma),
    close: () => database.close(),
  };
}

function throughServer(): Backend {
  const file = readInstanceToken(dataDir());
  if (!file) {
    throw new Failure(
      `No running Tapdesk server found for the embedded database in ${dataDir()}: start it with \`npm start\` first (set TAPDESK_DATA_DIR if it uses another directory).`,
    );
  }
  const base = (process.env.TAPDESK_URL || file.url).replace(/\/$/, "");
  const call = async (method: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${base}/api/admin/workspaces`, {
        method,
        headers: { authorization: `Bearer ${file.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Failure(
        `The Tapdesk server at ${base} does not answer: is it running? (set TAPDESK_URL if it listens elsewhere)`,
      );
    }
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      const fields = (json?.errors ?? []).map(
        (e: { field: string; message: string }) => `\n  ${e.field}: ${e.message}`,
      );
      throw new Failure(`${json?.detail ?? `The server answered ${response.status}.`}${fields.join("")}`);
    }
    return json;
  };
  return {
    signInBase: base,
    create: (body) => call("POST", body),
    list: async () => (await call("GET")).data,
    close: async () => {},
  };
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, owner: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const command = positionals[0];
  // Asking for the usage is not a mistake: it goes to stdout with exit 0.
  if (values.help || argv.length === 0) {
    console.log(USAGE);
    return;
  }
  if (command !== "create" && command !== "list") throw new Failure(USAGE);
  const url = process.env.DATABASE_URL;
  const backend = url ? await direct(url) : throughServer();
  try {
    if (command === "create") {
      const created = await backend.create({ name: values.name ?? "", owner: values.owner ?? "" });
      console.log(
        credentialsFrame({
          title: "Tapdesk workspace created",
          about: `Workspace: ${created.workspace.name} (${created.workspace.id})`,
          signInUrl: `${backend.signInBase}/login`,
          email: created.owner.email,
          password: created.owner.password,
          apiKey: created.api_key,
        }),
      );
      return;
    }
    const rows = await backend.list();
    for (const w of rows) {
      console.log(
        `${w.id}  ${w.name}  owners: ${w.owners.join(", ") || "none"}  operators: ${w.operators}  agents: ${w.agents}  created ${w.created_at}`,
      );
    }
    console.log(`${rows.length} workspace${rows.length === 1 ? "" : "s"}`);
  } finally {
    await backend.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof Failure || error instanceof AppError) console.error(error.message);
  else if (error?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") console.error(`${error.message}\n${USAGE}`);
  else console.error(`Could not run the command: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

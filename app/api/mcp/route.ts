import { serveMcp } from "@/lib/mcp/server";

// MCP over Streamable HTTP (docs/mcp.md): POST carries the JSON-RPC messages; GET and DELETE
// are the 2025 session operations, which a stateless server answers with 405.
export const GET = serveMcp;
export const POST = serveMcp;
export const DELETE = serveMcp;

import { apiOf, succeeded, tenMessageThread } from "../lib/api";
import { groupCpuMs } from "../lib/cpu";
import { summarize, timed } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * The agent API's reads over HTTP against the production server: `GET /messages/{id}` of a
 * two-part message carrying reactions on both parts (the human's sticker, custom emoji and the
 * agent's tapback), and `GET /conversations/{id}/messages` of the whole thread, reactions on
 * every message. One client, one request at a time; reads and lists alternate so both see the
 * same machine noise.
 */

const TITLE = "API reads with reactions — HTTP, production server, embedded PGlite";
const WARMUP = 10;
const ROUNDS = Number(process.env.BENCH_READ_ROUNDS || 150);

export const apiReadsSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const api = apiOf(server);
    const thread = await tenMessageThread(api, "+15550100700");
    const page = await succeeded(
      api.GET("/conversations/{id}/messages", { params: { path: { id: thread.conversationId } } }),
    );
    // Every message gets reactions: the human's on the agent's parts, the agent's on the human's.
    for (const message of page.data) {
      const path = { params: { path: { id: message.id } } };
      if (message.direction === "outbound") {
        await succeeded(
          api.POST("/sandbox/messages/{id}/reactions", {
            ...path,
            body: {
              operation: "add",
              type: "sticker",
              part_index: 1,
              sticker: {
                file_name: "s.png",
                mime_type: "image/png",
                url: "https://example.test/s.png",
                width: 320,
                height: 320,
              },
            },
          }),
        );
        await succeeded(
          api.POST("/sandbox/messages/{id}/reactions", {
            ...path,
            body: { operation: "add", type: "custom", custom_emoji: "😍", part_index: 0 },
          }),
        );
        await succeeded(
          api.POST("/messages/{id}/reactions", { ...path, body: { operation: "add", type: "like", part_index: 1 } }),
        );
      } else {
        await succeeded(api.POST("/reactions", { body: { message_id: message.id, reaction: "love" } }));
      }
    }

    const one = () => succeeded(api.GET("/messages/{id}", { params: { path: { id: thread.agentMessage } } }));
    const list = () =>
      succeeded(api.GET("/conversations/{id}/messages", { params: { path: { id: thread.conversationId } } }));
    for (let i = 0; i < WARMUP; i++) {
      await one();
      await list();
    }
    const reads: number[] = [];
    const lists: number[] = [];
    let readCpu = 0;
    let listCpu = 0;
    for (let i = 0; i < ROUNDS; i++) {
      let before = groupCpuMs(server.processGroup);
      reads.push((await timed(one)).ms);
      let after = groupCpuMs(server.processGroup);
      if (before !== null && after !== null) readCpu += after - before;
      before = groupCpuMs(server.processGroup);
      lists.push((await timed(list)).ms);
      after = groupCpuMs(server.processGroup);
      if (before !== null && after !== null) listCpu += after - before;
    }
    const rows: Row[] = [
      { figure: "GET /messages/{id} (2 parts, 3 reactions)", latency: summarize(reads), cpuMs: readCpu / ROUNDS },
      {
        figure: "GET /conversations/{id}/messages (10 messages, 20 reactions)",
        latency: summarize(lists),
        cpuMs: listCpu / ROUNDS,
      },
    ];
    return { title: TITLE, rows };
  },
};

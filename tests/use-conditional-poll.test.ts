import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * The page's poll (lib/client/use-conditional-poll.ts) backs off on errors: after a failed
 * refresh it stops long-polling (`wait=0`) and asks again after 2 s, doubling up to 30 s while
 * errors continue; the first success resumes the long-poll at once. Tested without a browser:
 * React's hooks are plain stand-ins here and SWR is replaced by a recorder of what the hook hands
 * it (the fetcher, and the refresh interval SWR asks for after each refresh).
 */

const swr = vi.hoisted(() => ({
  fetcher: null as ((key: string) => Promise<unknown>) | null,
  options: null as { refreshInterval: () => number } | null,
}));
vi.mock("swr", () => ({
  default: (_key: string, fetcher: (key: string) => Promise<unknown>, options: { refreshInterval: () => number }) => {
    swr.fetcher = fetcher;
    swr.options = options;
    return {};
  },
}));
vi.mock("react", () => ({ useRef: <T>(current: T) => ({ current }), useEffect: () => {} }));

const { useConditionalPoll, POLL_MS, WAIT_S } = await import("@/lib/client/use-conditional-poll");

type View = { etag: string; n: number };
const asked: string[] = [];
let answer: () => Response;

beforeEach(() => {
  asked.length = 0;
  vi.stubGlobal("document", { hidden: false });
  vi.stubGlobal("window", { location: { assign: vi.fn() } });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      asked.push(url);
      return answer();
    }),
  );
  useConditionalPoll<View>("/api/ui/inbox", { etag: '"v1"', n: 1 });
});
afterEach(() => vi.unstubAllGlobals());

const poll = () => swr.fetcher!("/api/ui/inbox") as Promise<View>;
const interval = () => swr.options!.refreshInterval();
const failing = () => new Response("down", { status: 503 });
const changed = (n: number) => () =>
  new Response(JSON.stringify({ etag: `"v${n}"`, n }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });

describe("the page's poll", () => {
  it("long-polls while all is well, the next request at once", async () => {
    answer = () => new Response(null, { status: 304 });
    expect(await poll()).toEqual({ etag: '"v1"', n: 1 });
    expect(asked).toEqual([`/api/ui/inbox?wait=${WAIT_S}`]);
    expect(interval()).toBe(1);
  });

  it("backs off on errors: plain polls every 2 s, doubling up to 30 s, keeping the last view", async () => {
    answer = failing;
    const intervals: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(await poll()).toEqual({ etag: '"v1"', n: 1 });
      intervals.push(interval());
    }
    expect(intervals).toEqual([POLL_MS, 2 * POLL_MS, 4 * POLL_MS, 8 * POLL_MS, 30_000, 30_000]);
    // The first request long-polled; every one after an error is a plain conditional poll.
    expect(asked).toEqual([`/api/ui/inbox?wait=${WAIT_S}`, ...Array(5).fill("/api/ui/inbox?wait=0")]);
  });

  it("counts a network error as a failure too, and resumes the long-poll after the first success", async () => {
    answer = () => {
      throw new TypeError("fetch failed");
    };
    await poll();
    await poll();
    expect(interval()).toBe(2 * POLL_MS);
    answer = changed(2);
    expect(await poll()).toEqual({ etag: '"v2"', n: 2 });
    expect(interval()).toBe(1);
    answer = () => new Response(null, { status: 304 });
    await poll();
    expect(asked.at(-1)).toBe(`/api/ui/inbox?wait=${WAIT_S}`);
  });
});

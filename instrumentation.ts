// Runs once when the Next.js server starts (not during `next build`).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { bootstrap, startFailure } = await import("./lib/bootstrap");
    try {
      await bootstrap();
    } catch (error) {
      // A server that cannot reach its database or open its secrets would answer 500 to
      // everything: stop instead, with the reason in one sentence.
      console.error(`Tapdesk cannot start: ${startFailure(error)}`);
      process.exit(1);
    }
  }
}

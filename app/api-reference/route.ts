import { requestNonce } from "@/lib/security/headers";
import { scalarVersion } from "./scalar";

/**
 * The app's system font stack (web fonts would come from Scalar's font host), and text colours
 * that keep WCAG AA contrast (4.5:1) on Scalar's light and dark surfaces: its default grey of
 * tertiary text and its green, red, blue, orange and yellow of HTTP methods fall short of it.
 */
const CUSTOM_CSS = `
.scalar-app, .scalar-api-reference {
  --scalar-font: -apple-system, BlinkMacSystemFont, "SF Pro Text", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.light-mode {
  --scalar-color-2: #595959;
  --scalar-color-3: #6b6b6b;
  --scalar-color-green: #00794c;
  --scalar-color-red: #c70000;
  --scalar-color-blue: #005f9e;
  --scalar-color-orange: #a64200;
  --scalar-color-yellow: #7a6000;
}
.dark-mode {
  --scalar-color-3: #8f8f8f;
  --scalar-color-red: #ff5a52;
}`;

/**
 * The page shell around Scalar (kept out of its internals, so the renderer can change): a bar
 * with the way back to the dashboard, in the app's own colours for light and dark.
 */
const SHELL_CSS = `
.tapdesk-bar { display: flex; align-items: center; gap: 12px; padding: 8px 16px; font: 14px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; border-bottom: 1px solid #e5e5e5; background: #fff; }
.tapdesk-bar a { color: #0066cc; text-decoration: none; font-weight: 500; border-radius: 6px; padding: 4px 6px; margin-left: -6px; }
.tapdesk-bar a:hover { text-decoration: underline; }
.tapdesk-bar a:focus-visible { outline: 2px solid #0066cc; outline-offset: 2px; }
/* The renderer opens its first section with 90 px of empty space; under the bar, a little does. */
.scalar-api-reference .section.introduction-section { padding-top: 24px; }
@media (prefers-color-scheme: dark) {
  .tapdesk-bar { background: #0a0a0a; border-bottom-color: #262626; }
  .tapdesk-bar a { color: #4da3ff; }
  .tapdesk-bar a:focus-visible { outline-color: #4da3ff; }
}`;

const CONFIGURATION = {
  url: "/api/v1/openapi.json",
  // The document's security scheme, selected in the client; the reader pastes the key.
  authentication: { preferredSecurityScheme: "bearer" },
  // Nothing leaves the origin: no web fonts (the system font stack instead), no request proxy,
  // no telemetry, no AI agent or MCP, and no developer toolbar (it links Scalar's registry).
  withDefaultFonts: false,
  proxyUrl: "",
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  // "Open API Client" would hand the document to Scalar's hosted client; "Test Request" stays.
  hideClientButton: true,
  // Light or dark follows the system, as the rest of the app does.
  hideDarkModeToggle: true,
  // The download button links the served document itself.
  documentDownloadType: "direct",
  customCss: CUSTOM_CSS,
};

/**
 * The API reference: Scalar renders the served OpenAPI document (/api/v1/openapi.json), so the
 * page says what the API does, and its "try it" client sends requests to this server (the
 * document's server is the relative /api/v1) with an API key the reader pastes in.
 *
 * A whole HTML document, like Scalar's own Next.js handler, but loading nothing from another
 * host: the bundle comes from this app (./standalone.js), and everything that would call
 * Scalar's services or a CDN is off. Both scripts carry the nonce proxy.ts put in the request's
 * CSP; the bundle reads it from the csp-nonce meta for the style element it adds. The bundle's
 * zod probes whether it may compile validators with `Function("")`, which the CSP refuses (and
 * reports as a violation): set jitless first, so it never tries and no CSP relaxation is needed.
 * Public, like the document.
 */
export function GET(request: Request): Response {
  const nonce = requestNonce(request.headers);
  if (!nonce) throw new Error("The API reference needs the CSP nonce proxy.ts sets on page requests.");
  // JSON inside a <script>: `<` escaped, so no string in it can close the element.
  const configuration = JSON.stringify(CONFIGURATION).replaceAll("<", "\\u003c");
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta property="csp-nonce" content="${nonce}">
    <title>API reference · Tapdesk</title>
    <link rel="icon" href="/icon.svg">
    <style nonce="${nonce}">${SHELL_CSS}</style>
  </head>
  <body>
    <header class="tapdesk-bar">
      <a href="/conversations"><span aria-hidden="true">←</span> Back to the Tapdesk dashboard</a>
    </header>
    <div id="app"></div>
    <script nonce="${nonce}">globalThis.__zod_globalConfig = { jitless: true };</script>
    <script nonce="${nonce}" src="/api-reference/standalone.js?v=${encodeURIComponent(scalarVersion())}"></script>
    <script nonce="${nonce}">Scalar.createApiReference("#app", ${configuration});</script>
  </body>
</html>
`;
  return new Response(html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store" },
  });
}

import { bridgeUpstream } from "./bridges/bluebubbles/upstream";
import { wireBridgeUpstream } from "./upstream";

/**
 * Where the app is composed: which adapter delivers for an agent. The domain (lib/tapbacks,
 * lib/messages) depends on the `Upstream` port only (lib/upstream); the BlueBubbles bridge is
 * an adapter that depends on the domain, and is wired here. Imported for its effect by every
 * entry that can send — the API (lib/api/http.ts), the dashboard's server actions
 * (lib/actions.ts) and the server's start (lib/bootstrap.ts). tests/import-direction.test.ts
 * keeps the domain from importing the bridges again.
 */
wireBridgeUpstream(bridgeUpstream);

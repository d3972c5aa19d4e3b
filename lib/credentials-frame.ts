/**
 * The box a first start and `npm run workspace -- create` print: how to sign in, and the
 * workspace-wide API key, shown once.
 */
export function credentialsFrame(input: {
  title: string;
  about: string;
  signInUrl: string;
  email: string;
  password: string;
  apiKey: string;
}): string {
  return [
    "",
    `┌─ ${input.title} ${"─".repeat(Math.max(3, 62 - input.title.length))}`,
    `│ ${input.about}`,
    `│ Sign in:  ${input.signInUrl}`,
    `│   Email:    ${input.email}`,
    `│   Password: ${input.password}`,
    `│ API key (workspace-wide, shown once): ${input.apiKey}`,
    "└─────────────────────────────────────────────────────────────────",
    "",
  ].join("\n");
}

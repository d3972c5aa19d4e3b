import type { Page } from "@playwright/test";
import { expect, type TapdeskApi } from "./fixtures";
import { ConversationPage } from "./pages/conversation-page";

/**
 * Every page of the app, reached the way an operator reaches it, for the checks that must hold
 * on all of them (security headers, CSP, accessibility). Settings pages are found from the
 * Settings navigation, so a new section is covered the day it is linked there.
 */
export interface PageUnderTest {
  name: string;
  /** Opens the page (signed in unless `signedOut`) and brings it to the state to check. */
  open(page: Page, api: TapdeskApi): Promise<void>;
  signedOut?: boolean;
}

export const FIXED_PAGES: PageUnderTest[] = [
  {
    name: "sign-in",
    signedOut: true,
    open: async (page) => {
      await page.goto("/login");
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    },
  },
  {
    name: "inbox",
    open: async (page) => {
      await page.goto("/conversations");
      await expect(page.getByRole("navigation", { name: "Inbox" })).toBeVisible();
    },
  },
  {
    name: "thread with the picker open",
    open: async (page, api) => {
      const conversation = await api.createConversation();
      await api.sendHumanMessage(conversation.id, ["Is the terrace open tonight?"]);
      await api.sendAgentMessage(conversation.id, ["It is, from six."]);
      const thread = new ConversationPage(page);
      await thread.goto(conversation.id);
      await thread.openPicker(thread.bubble("It is, from six."));
      await expect(thread.picker).toBeVisible();
    },
  },
  {
    name: "feedback",
    open: async (page) => {
      await page.goto("/feedback?queue=all");
      await expect(page.getByRole("heading", { name: "Review queue" })).toBeVisible();
    },
  },
  {
    name: "API reference",
    open: async (page) => {
      await page.goto("/api-reference");
      // Scalar renders it in the browser once its 4.8 MB bundle has parsed: slow on a busy machine.
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible({ timeout: 30_000 });
    },
  },
];

/** The settings pages linked from the Settings navigation. */
export async function settingsPages(page: Page): Promise<PageUnderTest[]> {
  await page.goto("/settings/agents");
  const nav = page.getByRole("navigation", { name: "Settings" });
  await expect(nav).toBeVisible();
  const hrefs = await nav.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
  expect(hrefs.length).toBeGreaterThan(0);
  return hrefs.map((href) => ({
    name: `settings ${href}`,
    open: async (p: Page) => {
      await p.goto(href);
      await expect(p.getByRole("heading", { level: 1 })).toBeVisible();
    },
  }));
}

import { expect, type Locator, type Page } from "@playwright/test";

export const TAPBACKS = ["Love", "Like", "Dislike", "Laugh", "Emphasize", "Question"] as const;
export type TapbackName = (typeof TAPBACKS)[number];

/**
 * /conversations/{id}, reached only through its accessible names (docs/dashboard.md): the thread's bubbles
 * are buttons named by their text, the picker is the "Tapback" toolbar with buttons Love …
 * Question, and each badge is an image named "<what> by <who>".
 */
export class ConversationPage {
  readonly messages: Locator;
  readonly picker: Locator;
  readonly inbox: Locator;

  constructor(readonly page: Page) {
    this.messages = page.getByRole("list", { name: "Messages" });
    this.picker = page.getByRole("toolbar", { name: "Tapback" });
    this.inbox = page.getByRole("navigation", { name: "Inbox" });
  }

  async goto(conversationId: string): Promise<void> {
    await this.page.goto(`/conversations/${conversationId}`);
    await expect(this.messages).toBeVisible();
  }

  bubble(text: string): Locator {
    return this.messages.getByRole("button", { name: text, exact: true });
  }

  tapback(name: TapbackName): Locator {
    return this.picker.getByRole("button", { name, exact: true });
  }

  /** A badge or sticker on a bubble of this thread, by its accessible name ("Love by Ava"). */
  badge(name: string): Locator {
    return this.messages.getByRole("img", { name, exact: true });
  }

  /** Every reaction placed by `who`, whatever it is. */
  badgesBy(who: string): Locator {
    return this.messages.getByRole("img", { name: new RegExp(` by ${escapeRegExp(who)}$`) });
  }

  /** An error shown to the operator (Next's route announcer is an empty alert too). */
  alert(text: string | RegExp): Locator {
    return this.page.getByRole("alert").filter({ hasText: text });
  }

  inboxEntry(remoteNumber: string): Locator {
    return this.inbox.getByRole("link").filter({ hasText: remoteNumber });
  }

  /**
   * Opens the picker on `bubble` with a click, or from the keyboard by focusing the bubble and
   * pressing `key`. Input that lands before React has hydrated the page does nothing, so it is
   * repeated until the picker is there (never once it shows, which would toggle it closed).
   */
  async openPicker(bubble: Locator, key?: "Enter" | " "): Promise<void> {
    await expect(async () => {
      if (!(await this.picker.isVisible())) {
        if (key) {
          await bubble.focus();
          await this.page.keyboard.press(key);
        } else {
          await bubble.click();
        }
      }
      await expect(this.picker).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 15_000 });
  }

  /** Opens the picker on `bubble` with the mouse and clicks `name`. */
  async pick(bubble: Locator, name: TapbackName): Promise<void> {
    await this.openPicker(bubble);
    await this.tapback(name).click();
    await expect(this.picker).toBeHidden();
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

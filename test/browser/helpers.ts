/**
 * Shared set-up for the browser tests: headless Chromium through playwright-core, using the
 * system's browser (Debian's `/usr/bin/chromium`, or `$TANGO_CHROMIUM`; playwright-core never
 * downloads one), and the small page helpers more than one browser test uses.
 *
 * Without Chromium the tests skip with a loud message; under `CI=true` a missing Chromium fails
 * the run instead (`.ci/run` installs Debian's `chromium`), as test/support/services.ts does
 * for Redis and PostgreSQL.
 *
 * @example
 * describe.skipIf(!chromiumSupport('the admin browser tests').available)('the admin', () => {
 *   let browser: Browser;
 *   beforeAll(async () => { browser = await launchChromium(); });
 *   afterAll(() => browser?.close());
 * });
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { isCI } from '../support/services.js';

/** Debian's Chromium (`apt-get install chromium`), used unless `$TANGO_CHROMIUM` names another. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The Chromium the browser tests drive: `$TANGO_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.TANGO_CHROMIUM || DEFAULT_CHROMIUM;

/**
 * The flags every browser test launches Chromium with. playwright-core adds its own defaults
 * (among them `--no-sandbox`, `--no-first-run`, `--disable-background-networking` and
 * `--disable-component-update`); these are repeated so the list stands on its own.
 */
const COMMON_ARGS: readonly string[] = [
  // The tests run as root in CI containers, where Chromium's sandbox cannot start.
  '--no-sandbox',
  // No GPU on the test machines.
  '--disable-gpu',
  // Nothing leaves loopback: no QUIC, no first-run, update, sync or other background traffic.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Chromium can run here, and why not. */
export interface ChromiumSupport {
  available: boolean;
  /** The executable looked for. */
  executablePath: string;
  /** Why it is unavailable. */
  reason?: string;
}

function missingReason(): string {
  return `${CHROMIUM_PATH} is missing (apt-get install chromium; or set TANGO_CHROMIUM)`;
}

/**
 * Whether Chromium can run here, for the tests described by `what` (used in the banner). When
 * it cannot: under `CI=true` this throws (the test file fails); otherwise it prints a loud
 * banner, and the caller skips its tests.
 *
 * @example
 * describe.skipIf(!chromiumSupport('the tutorial browser tests').available)('...', () => {});
 */
export function chromiumSupport(what: string): ChromiumSupport {
  if (existsSync(CHROMIUM_PATH)) return { available: true, executablePath: CHROMIUM_PATH };
  const reason = missingReason();
  if (isCI()) {
    throw new Error(`CI=true and ${reason}: the browser tests must run in CI.`);
  }
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!! SKIPPING ${what}: ${reason}.\n!! Under CI=true they fail instead.\n${bar}\n`,
  );
  return { available: false, executablePath: CHROMIUM_PATH, reason };
}

/**
 * Launches headless Chromium with the common flags, then `extraArgs` (a test's own needs, each
 * with its reason next to it). Throws at once, before any other set-up in the same expression
 * runs, when the executable is missing.
 *
 * @example
 * const browser = await launchChromium();
 * const context = await browser.newContext({ javaScriptEnabled: false });
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Cannot launch Chromium: ${missingReason()}.`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...COMMON_ARGS, ...extraArgs],
  });
}

/**
 * The value of the cookie `name` the browser context holds (any domain), or undefined.
 *
 * @example
 * expect(await cookieValue(context, 'sessionid')).toBeTruthy();
 */
export async function cookieValue(
  context: BrowserContext,
  name: string,
): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === name)?.value;
}

/**
 * The `[class, text]` of each element matching `selector` (a message list's items), in order;
 * the text trimmed.
 *
 * @example
 * expect(await classAndText(page, 'ul.messages > li')).toEqual([['success', 'Saved.']]);
 */
export async function classAndText(page: Page, selector: string): Promise<[string, string][]> {
  const items = page.locator(selector);
  const out: [string, string][] = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    out.push([(await item.getAttribute('class')) ?? '', (await item.innerText()).trim()]);
  }
  return out;
}

/**
 * Saves a full-page screenshot named `name` in `$TANGO_SCREENSHOT_DIR` (kept for people to
 * look at), else in `scratch`, and returns its size in bytes.
 *
 * @example
 * expect(await screenshot(page, 'session-page.png', tutorial.scratch)).toBeGreaterThan(10_000);
 */
export async function screenshot(page: Page, name: string, scratch: string): Promise<number> {
  const file = path.join(process.env.TANGO_SCREENSHOT_DIR ?? scratch, name);
  await page.screenshot({ path: file, fullPage: true });
  return (await stat(file)).size;
}

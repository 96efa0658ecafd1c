// Waiting in the UI steps (studio, probe data, experiments, watched runs): poll for a state, never sleep a
// fixed time. One generous limit per wait: it only decides when a stuck step gives up, so a loaded machine
// is slower, not failing.

/** How long a wait may take before the step fails with what was missing (a step's own limit is longer). */
export const WAIT_LIMIT_MS = 120_000;
const POLL_MS = 250;

/**
 * @param {import('playwright-core').Page} page
 * @param {(ms: number) => Promise<void>} sleep
 */
export function uiWaits(page, sleep) {
  /** Polls check() (a value, or a string saying what is missing) until it returns a value or the time is up. */
  async function until(check, timeoutMs = WAIT_LIMIT_MS) {
    const deadline = Date.now() + timeoutMs;
    let last = 'nothing checked yet';
    for (;;) {
      const r = await check().catch((e) => `error: ${e.message}`);
      if (r !== undefined && typeof r !== 'string') return r;
      last = r ?? last;
      if (Date.now() > deadline) throw new Error(last);
      await sleep(POLL_MS);
    }
  }

  /** The visible BN Lens webview whose document has `selector`: its outer iframe (screenshots) and its document. */
  function webviewWith(selector) {
    return until(async () => {
      const outers = page.locator('iframe.webview[src*="extensionId=bnlens.bn-lens"]');
      const n = await outers.count();
      for (let i = 0; i < n; i++) {
        const outer = outers.nth(i);
        if (!(await outer.isVisible().catch(() => false))) continue;
        const doc = outer.contentFrame().locator('iframe#active-frame').contentFrame();
        if ((await doc.locator(selector).count().catch(() => 0)) > 0) return { outer, doc };
      }
      return `no visible BN Lens webview shows ${selector}`;
    });
  }

  return { until, webviewWith };
}

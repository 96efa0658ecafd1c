// UI steps for files BN Lens opens by default but that hold no model (an HDF5 file of data, a torch.save
// of training metadata): the page says what the file is, without an error alert, and its
// "Reopen with the text/hex editor" button hands the file to VS Code's own editor.
// The runner (scripts/run-vscode-tests.mjs) passes its page and helpers.
import { NOT_MODELS } from './test-workspace.mjs';

/**
 * @param {{ page: import('playwright-core').Page, say: (m: string) => void, quickOpen: (name: string) => Promise<void>,
 *   findWebview: (view?: string) => Promise<{ outer: import('playwright-core').Locator, doc: import('playwright-core').FrameLocator } | null>,
 *   poll: (check: () => Promise<{ ok?: unknown, error?: string }>) => Promise<unknown>,
 *   screenshot: (outer: import('playwright-core').Locator, file: string) => Promise<void> }} ctx
 */
export function notAModelSteps({ page, say, quickOpen, findWebview, poll, screenshot }) {
  async function step({ file, says }) {
    await quickOpen(file);
    const text = await poll(async () => {
      const view = await findWebview('editor');
      if (!view) return { error: `no BN Lens webview in the editor area after opening ${file} (is BN Lens its default editor?)` };
      const alerts = await view.doc.locator('[role="alert"]').allInnerTexts().catch(() => []);
      if (alerts.length) return { fatal: `an error alert instead of a "what this file is" page: ${alerts.join(' | ')}` };
      const shown = (await view.doc.locator('.not-a-model').allInnerTexts().catch(() => [])).join(' ').replace(/\s+/g, ' ').trim();
      return shown.includes(`${file} holds no model`) && shown.toLowerCase().includes(says.toLowerCase()) ? { ok: shown } : { error: `page text: "${shown}"` };
    });
    say(`  ${file}: ${text}`);
    const view = await findWebview('editor');
    await screenshot(view.outer, `not-a-model-${file.replace(/[^\w.-]+/g, '_')}.png`);
    await view.doc.getByRole('button', { name: 'Reopen with the text/hex editor' }).click();
    // VS Code's own editor for the file: its tab is active and no BN Lens webview is left in the editor area.
    await poll(async () => {
      const active = await page.locator('.tabs-container .tab.active .label-name').allInnerTexts().catch(() => []);
      const webview = await findWebview('editor');
      return active.includes(file) && !webview ? { ok: true } : { error: `active tab ${JSON.stringify(active)}, BN Lens webview ${webview ? 'still shown' : 'gone'}` };
    });
  }
  return NOT_MODELS.map((spec) => [`ui: ${spec.file} (${spec.what}) opens in BN Lens to a page saying what it is; "Reopen with the text/hex editor" hands it to VS Code's editor`, () => step(spec)]);
}

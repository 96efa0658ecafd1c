// UI steps for runs logged by python/bnlens (scripts/run-vscode-tests.mjs runs them): "Open TensorBoard
// Log…" on the committed 2-rank DDP log (test/fixtures/watched-ddp) shows every normalization layer with
// both ranks superimposed, and follows the files while rank 1's is still being written (screenshot
// watched-ddp.png); "Instrument Training Script…" shows the PyTorch lines and copies bnlens into the
// workspace. No PyTorch is needed: the log is a fixture.
/* global document */ // page.evaluate() callbacks run in the webview
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiWaits } from './ui-waits.mjs';

const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'watched-ddp');
const FOLDER = 'watched-ddp';
const LAYERS = ['1', '4', '7', '12'];

/**
 * @param {{ page: import('playwright-core').Page, hostRequest: (r: object) => Promise<unknown>, resultsDir: string,
 *   say: (m: string) => void, sleep: (ms: number) => Promise<void>, workspace: string }} ctx
 */
export function watchSteps(ctx) {
  const { page, hostRequest, resultsDir, say, sleep, workspace } = ctx;
  const { until, webviewWith } = uiWaits(page, sleep);



  /** What the watched view shows: per layer row, each run's recorded steps, and which run colours its lines use. */
  function shown(doc) {
    return doc.locator('body').evaluate(() => {
      const view = document.querySelector('section.watched-view');
      if (!view) return null;
      return {
        runs: Number(view.getAttribute('data-runs')),
        header: document.querySelector('.logs-header .facts-line')?.textContent ?? '',
        rows: [...view.querySelectorAll('.layer-row')].map((r) => ({
          layer: r.getAttribute('data-layer'),
          steps: r.getAttribute('data-steps'),
          colours: [...new Set([...r.querySelectorAll('polyline.line')].map((l) => [...l.classList].find((c) => /^s\d$/.test(c))))].sort(),
          heatmaps: r.querySelectorAll('canvas').length,
        })),
      };
    });
  }

  async function ddpStep() {
    const files = readdirSync(FIXTURE).filter((f) => f.startsWith('events.out.tfevents.')).sort();
    if (files.length !== 2) throw new Error(`${FIXTURE} should hold the event files of 2 ranks, has ${files.length}`);
    const dir = join(workspace, FOLDER);
    mkdirSync(dir, { recursive: true });
    const [rank0, rank1] = files.map((f) => readFileSync(join(FIXTURE, f)));
    // Rank 1 is still training: half its file is there (its last record possibly cut short).
    const half = Math.floor(rank1.length / 2);
    writeFileSync(join(dir, files[0]), rank0);
    writeFileSync(join(dir, files[1]), rank1.subarray(0, half));
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await hostRequest({ op: 'command', command: 'bnlens.openTensorBoardLog', args: [FOLDER] });
    const { outer, doc } = await webviewWith('section.watched-view');
    const partial = await until(async () => {
      const s = await shown(doc);
      return s && s.runs === 2 && s.rows.length === LAYERS.length ? s : `watched view: ${JSON.stringify(s)}`;
    });
    if (!/^rank 0=8;rank 1=[1-7]$/.test(partial.rows[0].steps)) throw new Error(`with rank 1 half written, layer 1 shows ${partial.rows[0].steps}`);
    appendFileSync(join(dir, files[1]), rank1.subarray(half));
    const full = await until(async () => {
      const s = await shown(doc);
      return s && s.rows.every((r) => r.steps === 'rank 0=8;rank 1=8') ? s : `after rank 1 finished writing: ${JSON.stringify(s?.rows.map((r) => r.steps))}`;
    });
    if (JSON.stringify(full.rows.map((r) => r.layer)) !== JSON.stringify(LAYERS)) throw new Error(`layer rows ${JSON.stringify(full.rows.map((r) => r.layer))}`);
    // Both ranks superimposed: every BatchNorm row draws lines in rank 0's colour (s0) and rank 1's (s1).
    for (const r of full.rows.slice(0, 2)) {
      if (JSON.stringify(r.colours) !== '["s0","s1"]' || r.heatmaps < 4) throw new Error(`layer ${r.layer}: line colours ${JSON.stringify(r.colours)}, ${r.heatmaps} heatmaps`);
    }
    say(`  ${FOLDER}: ${full.header}; rows ${full.rows.map((r) => `${r.layer} (${r.steps})`).join(', ')}; rank 1 grew from ${partial.rows[0].steps.split(';')[1]} without a reload`);
    await outer.screenshot({ path: join(resultsDir, 'watched-ddp.png') });
  }

  async function instrumentStep() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>BN Lens: Instrument Training Script');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Instrument Training Script' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'PyTorch' }).first().click();
    await until(async () => {
      const text = await page.locator('.editor-instance .view-lines').first().innerText().catch(() => '');
      return /bnlens\.torch\.watch\(model/.test(text.replace(/\u00a0/g, ' ')) ? true : `editor shows: ${text.slice(0, 200)}`;
    });
    await page.locator('.notifications-toasts .monaco-button', { hasText: 'Copy bnlens into the Workspace' }).first().click();
    await until(async () => (existsSync(join(workspace, 'bnlens', 'torch.py')) && existsSync(join(workspace, 'bnlens', 'events.py')) ? true : 'bnlens/ not in the workspace yet'));
    await page.screenshot({ path: join(resultsDir, 'watched-instrument.png') });
    say(`  copied: ${readdirSync(join(workspace, 'bnlens')).sort().join(', ')}`);
  }

  return [
    ['ui: watched run: "Open TensorBoard Log…" on a 2-rank DDP log shows its 4 normalization layers with both ranks superimposed, following rank 1 as it is written (watched-ddp.png)', ddpStep],
    ['ui: watched run: "Instrument Training Script…" shows the PyTorch lines and copies bnlens into the workspace', instrumentStep],
  ];
}

// "Probe with my data" in the real VS Code, as a person does it: a torchvision MobileNetV2 export opens in the
// inspector, the data is set to a folder of images with the resize typed in, the button opens VS Code's file
// dialog (the simple one a web workbench shows), the folder is typed into it and accepted; the probe then shows
// every BatchNorm layer's input and output histograms. A second step reopens the file and checks the data
// settings were remembered. The fixtures come from test/fixtures/probe-data (make_probe_data_fixtures.py).
// The runner passes its page and helpers, as for studio-ui-steps.mjs.
/* global document */ // page.evaluate() callbacks run in the webview
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { uiWaits } from './ui-waits.mjs';

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'probe-data');
const MODEL = 'mobilenet_v2_w025.onnx';
const BN_LAYERS = 52; // torchvision's MobileNetV2 at width 0.25 keeps all of them

/**
 * @param {{ page: import('playwright-core').Page, hostRequest: (r: object) => Promise<unknown>, resultsDir: string,
 *   say: (m: string) => void, sleep: (ms: number) => Promise<void> }} ctx
 */
export function probeDataSteps(ctx) {
  const { page, hostRequest, resultsDir, say, sleep } = ctx;
  const { until, webviewWith } = uiWaits(page, sleep);

  /** The workspace folder the workbench opened (the runner puts it in the URL's `folder`). */
  function workspace() {
    const folder = new URL(page.url()).searchParams.get('folder');
    if (!folder) throw new Error(`no folder in the workbench URL ${page.url()}`);
    return folder;
  }



  async function openModel() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await hostRequest({ op: 'openWith', file: `probe-data/${MODEL}`, viewType: 'bnlens.inspector' });
    await page.mouse.move(200, 10);
    return webviewWith('.probe-data select');
  }

  /** What the probe part of the inspector shows, read in one go. */
  function probeState(doc) {
    return doc.locator('body').evaluate(() => ({
      source: document.querySelector('.probe-data select')?.value ?? null,
      resize: document.querySelector('.probe-preprocessing input[type="number"]')?.value ?? null,
      batch: document.querySelector('.probe-summary p')?.textContent ?? null,
      randomWarning: !!document.querySelector('.probe-summary .note.warning'),
      kernels: document.querySelector('.probe-summary p[data-kernels]')?.textContent ?? null,
      layers: [...document.querySelectorAll('.probe-histograms .layer-histograms')].map((d) => ({
        name: d.getAttribute('data-layer'),
        // The plots, not the grid-line layers the axes draw over them (svg.grid).
        charts: d.querySelectorAll('figure.chart svg:not(.grid)').length,
        bars: [...d.querySelectorAll('figure.chart svg:not(.grid)')].map((s) => [...s.querySelectorAll('rect.bar')].filter((r) => Number(r.getAttribute('height')) > 0).length),
      })),
      status: document.querySelector('.probe-controls [role="status"]')?.textContent ?? '',
      alert: document.querySelector('[role="alert"]')?.textContent ?? null,
    }), undefined, { timeout: 60_000 });
  }

  /**
   * VS Code's simple file dialog: type the folder's path, give it a moment to list that folder, then
   * accept with its OK button (or Enter). An accept the dialog did not take (it was still updating its
   * list, which a loaded machine makes slow) is tried again from typing the path.
   */
  async function pickFolderInDialog(folder) {
    const box = page.locator('.quick-input-widget');
    await box.waitFor({ state: 'visible', timeout: 60_000 });
    const input = box.locator('input').first();
    await until(async () => {
      if (!(await box.isVisible())) return true;
      await input.fill(`${folder}/`);
      await sleep(800);
      const ok = box.locator('.quick-input-action a, .monaco-button').filter({ hasText: /^(OK|Probe with this data)$/ }).first();
      if (await ok.isVisible().catch(() => false)) await ok.click();
      else await input.press('Enter');
      // Given time to close before the path is typed again (not a failure when it runs out).
      await box.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
      return (await box.isVisible()) ? `the file dialog is still open after accepting ${folder}` : true;
    });
  }

  async function probeStep() {
    const dir = join(workspace(), 'probe-data');
    mkdirSync(dir, { recursive: true });
    cpSync(join(FIXTURES, MODEL), join(dir, MODEL));
    cpSync(join(FIXTURES, 'images'), join(dir, 'images'), { recursive: true });
    const { outer, doc } = await openModel();
    const before = await probeState(doc);
    if (before.source !== 'imageFolder') throw new Error(`a [N, 3, 64, 64] model should default to a folder of images, the data select says ${before.source}`);
    await doc.locator('.probe-preprocessing input[type="number"]').fill('72');
    await doc.locator('.probe-preprocessing input[type="number"]').press('Tab');
    await until(async () => ((await probeState(doc)).resize === '72' ? true : 'the resize field did not keep 72'));
    await doc.getByRole('button', { name: 'Probe with my data…' }).click();
    await pickFolderInDialog(join(dir, 'images'));
    const done = await until(async () => {
      const s = await probeState(doc);
      if (s.alert) throw new Error(`the inspector shows an error: ${s.alert}`);
      if (/could not|cannot|not /i.test(s.status)) throw new Error(`probe status: ${s.status}`);
      return s.layers.length > 0 ? s : `no probe histograms yet (status: ${s.status || 'none'})`;
    });
    if (done.layers.length !== BN_LAYERS) throw new Error(`${done.layers.length} layers have probe histograms, expected ${BN_LAYERS}`);
    const empty = done.layers.filter((l) => l.charts !== 2 || l.bars.some((n) => n === 0));
    if (empty.length) throw new Error(`layers without two drawn histograms: ${JSON.stringify(empty.slice(0, 3))}`);
    if (!/7 images from probe-data\/images \(resize 72, centre crop, \[0, 1\], ImageNet mean\/std/.test(done.batch ?? '')) throw new Error(`the batch line says: ${done.batch}`);
    if (done.randomWarning) throw new Error('the random-data warning shows for a probe with images');
    // Which kernels computed it (any backend: the development build may run either).
    if (!done.kernels) throw new Error('the probe summary does not say which kernels computed it (no p[data-kernels])');
    say(`  probe: ${done.layers.length} layers, each with input and output histograms; ${done.batch} ${done.kernels}`);
    await doc.locator('.probe-histograms').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await outer.screenshot({ path: join(resultsDir, 'probe-images-histograms.png') });
    await doc.locator('.probe-data').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await outer.screenshot({ path: join(resultsDir, 'probe-images-controls.png') });
  }

  async function rememberedStep() {
    const { outer, doc } = await openModel();
    const s = await until(async () => {
      const st = await probeState(doc);
      return st.resize === '72' ? st : `resize field: ${st.resize}`;
    });
    if (s.source !== 'imageFolder') throw new Error(`data select: ${s.source}`);
    // The random batch still works, and says plainly what its numbers are worth.
    await doc.getByRole('button', { name: 'Probe with a random batch' }).click();
    await until(async () => ((await probeState(doc)).randomWarning ? true : 'no random-data warning after a random batch'));
    await doc.locator('.probe-summary').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await outer.screenshot({ path: join(resultsDir, 'probe-random-warning.png') });
  }

  return [
    [`ui: probe data: ${MODEL} (torchvision MobileNetV2) probed with a folder of PNG/JPEG images through VS Code's file dialog shows all ${BN_LAYERS} BatchNorm layers' input and output histograms and names the kernels that computed them`, probeStep],
    [`ui: probe data: ${MODEL} reopened keeps the data settings (folder of images, resize 72); a random batch says its scores mean nothing`, rememberedStep],
  ];
}

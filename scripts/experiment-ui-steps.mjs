// The Training Studio's form and one-click experiments, driven as a person would, for
// scripts/run-vscode-tests.mjs. The form: every field typed into key by key — also while a live run
// redraws the page — and Start clicked straight from the field; the run must have exactly the typed
// settings. The experiments: each runs (three seeds per variant), its comparison opens with the verdict
// computed from the runs, every column within the panel's width, on an x axis of epochs or samples
// seen; a screenshot of each goes to test-results/experiment-<id>.png (and -columns.png).
/* global document */ // page.evaluate() callbacks run in the webview
import { join } from 'node:path';
import { uiWaits } from './ui-waits.mjs';

const EXPERIMENT_IDS = ['bn-vs-none', 'lr-x10', 'placement', 'batch-sizes', 'norm-kinds', 'train-eval-gap'];

/**
 * @param {{ page: import('playwright-core').Page, hostRequest: (r: object) => Promise<unknown>, resultsDir: string,
 *   say: (m: string) => void, sleep: (ms: number) => Promise<void> }} ctx
 */
export function experimentSteps({ page, hostRequest, resultsDir, say, sleep }) {
  const { until, webviewWith } = uiWaits(page, sleep);

  /** The visible studio webview: its outer iframe (screenshots) and its document. */
  async function studio() {
    await hostRequest({ op: 'command', command: 'bnlens.openStudio' });
    return webviewWith('#start');
  }

  const shown = (doc) => doc.locator('body').evaluate(() => {
    const view = document.querySelector('.run-view');
    return {
      run: view?.getAttribute('data-run') ?? null,
      status: view?.getAttribute('data-status') ?? null,
      label: view?.querySelector('header p.muted')?.textContent ?? '',
      statusLine: view?.querySelector('header p.status')?.textContent ?? '',
      alert: document.querySelector('[role="alert"]')?.textContent ?? null,
    };
  });

  /** Types `text` key by key into the field, replacing what it held, without leaving it. */
  async function typeInto(doc, id, text) {
    const field = doc.locator(`#${id}`);
    await field.click();
    await field.press('ControlOrMeta+a');
    await field.pressSequentially(text, { delay: 60 });
  }

  async function formStep() {
    await hostRequest({ op: 'command', command: 'bnlens.stopTraining' });
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    const { outer, doc } = await studio();
    try {
      await typedRun(outer, doc);
    } finally {
      // Whatever happened, nothing of this step goes on training into the next ones.
      await hostRequest({ op: 'command', command: 'bnlens.stopTraining' });
    }
  }

  async function typedRun(outer, doc) {
    // A long live run (the engine trains a few thousand steps a second), so the page redraws while the fields are typed into.
    await doc.locator('#epochs').fill('40000');
    await doc.locator('#start').click();
    await until(async () => ((await shown(doc)).status === 'running' ? true : 'the first run does not train'));
    for (const [id, value] of [['dataset', 'moons'], ['norm', 'layernorm'], ['placement', 'after'], ['optimizer', 'adam']]) await doc.locator(`#${id}`).selectOption(value);
    await typeInto(doc, 'lr', '0.02');
    await typeInto(doc, 'batch', '2');
    await typeInto(doc, 'seed', '7');
    // Epochs: the first digit, then the run is stopped (the page redraws the form for the new status), then the second.
    await typeInto(doc, 'epochs', '1');
    await hostRequest({ op: 'command', command: 'bnlens.stopTraining' });
    await until(async () => ((await shown(doc)).status === 'stopped' ? true : 'the first run did not stop'));
    // As a person goes on after something redrew the page: click into the field, go to the end, type.
    // (Typing straight on once got "2": the keystroke replaced the field's whole value.) The check below
    // that epochs holds 12 still proves the "1" typed before the redraw survived it.
    const epochs = doc.locator('#epochs');
    await epochs.click();
    await epochs.press('End');
    await epochs.pressSequentially('2', { delay: 60 });
    const typed = await doc.locator('body').evaluate(() => ['lr', 'batch', 'epochs', 'seed'].map((id) => document.getElementById(id).value));
    if (typed.join() !== '0.02,2,12,7') throw new Error(`the fields hold ${JSON.stringify(typed)} after typing 0.02, 2, 12, 7`);
    // Start straight from the field: the click must not be swallowed by a redraw.
    await doc.locator('#start').click();
    const run = await until(async () => {
      const s = await shown(doc);
      if (s.alert) throw new Error(`the studio shows an error: ${s.alert}`);
      // The plan ("of N steps") shows once the worker has reported the run's first step.
      return s.status && s.label.startsWith('moons') && /of \d+ steps/.test(s.statusLine) ? s : `run view: ${JSON.stringify(s)}`;
    });
    const want = 'moons · MLP · LayerNorm after ReLU · ADAM lr 0.02 · batch 2 · 12 epochs · seed 7';
    if (!run.label.startsWith(want)) throw new Error(`the run has "${run.label}", typed "${want}"`);
    // Two moons: 400 samples, 320 for training; batch 2 → 160 steps per epoch, × 12 epochs.
    if (!/of 1920 steps/.test(run.statusLine)) throw new Error(`the run plans "${run.statusLine}", 1920 steps expected`);
    await outer.screenshot({ path: join(resultsDir, 'studio-form-typed.png') });
    say(`  typed lr 0.02, batch 2, epochs 1+2 (a redraw between), seed 7 and clicked Start from the field: ${run.run} has "${run.label}", ${run.statusLine.split('·')[1]?.trim()}`);
  }

  /** What the comparison shows once every run of the experiment is done; a string while it is not. */
  const experimentState = (doc) => doc.locator('body').evaluate(() => {
    const verdict = document.querySelector('.compare-view .verdict');
    const note = document.querySelector('.note.experiment')?.textContent ?? '';
    if (!verdict || !/all runs done/.test(note)) return `${note || 'no experiment status'}; verdict ${verdict?.getAttribute('data-outcome') ?? 'none'}`;
    const width = document.documentElement.clientWidth;
    const columns = [...document.querySelectorAll('.compare-column')].map((c) => ({ variant: c.getAttribute('data-variant'), seeds: Number(c.getAttribute('data-seeds')), right: c.getBoundingClientRect().right }));
    return { outcome: verdict.getAttribute('data-outcome'), headline: verdict.querySelector('.headline')?.textContent ?? '', width, columns, alert: document.querySelector('[role="alert"]')?.textContent ?? null };
  }, undefined, { timeout: 60_000 });

  /**
   * Starts the experiment and waits for it; an experiment of 12 runs on a loaded machine may outlast one
   * step, so the wait goes on in the next step (experimentStep) rather than failing here.
   */
  async function startExperiment(id) {
    // Nothing left training by an earlier step (an experiment refuses to start beside a run).
    await hostRequest({ op: 'command', command: 'bnlens.stopTraining' });
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    const { doc } = await studio();
    await hostRequest({ op: 'command', command: 'bnlens.runExperiment', args: [id] });
    const state = await until(async () => {
      const s = await experimentState(doc);
      return typeof s === 'string' && !/all runs done/.test(s) && Date.now() - started < 75_000 ? s : { s };
    }, 80_000);
    say(`  ${id}: ${typeof state.s === 'string' ? `still training after 75 s (${state.s})` : 'all runs done'}`);
  }
  let started = 0;

  async function experimentStep(id) {
    const { outer, doc } = await studio();
    const result = await until(async () => experimentState(doc), 240_000); // within the step's 300 s
    if (result.alert) throw new Error(`the studio shows an error: ${result.alert}`);
    if (result.outcome !== 'shown') throw new Error(`verdict ${result.outcome}: ${result.headline}`);
    const cut = result.columns.filter((c) => c.right > result.width + 1);
    if (cut.length) throw new Error(`columns past the panel's ${result.width}px: ${JSON.stringify(cut)}`);
    if (result.columns.some((c) => c.seeds !== 3)) throw new Error(`columns without three seeds: ${JSON.stringify(result.columns)}`);
    await outer.screenshot({ path: join(resultsDir, `experiment-${id}.png`) });
    if (id === 'batch-sizes') {
      // Samples seen: batch 2 and batch 64 span the same width either way; the axis says which.
      await doc.locator('#axis-samples').check();
      await until(async () => ((await doc.locator('.compare-view .x-name', { hasText: 'samples seen' }).count()) > 0 ? true : 'the x axis did not switch to samples seen'));
      await outer.screenshot({ path: join(resultsDir, `experiment-${id}-samples.png`) });
      await doc.locator('#axis-epochs').check();
      await until(async () => ((await doc.locator('.compare-view .x-name', { hasText: 'samples seen' }).count()) === 0 ? true : 'the x axis did not switch back to epochs'));
    }
    // The comparison can be redrawn while it is scrolled to (the axis change above, a runs refresh): a scroll whose element was replaced meanwhile is tried again.
    await until(async () => {
      await doc.locator('.compare-columns').scrollIntoViewIfNeeded({ timeout: 10_000 });
      return true;
    });
    await outer.screenshot({ path: join(resultsDir, `experiment-${id}-columns.png`) });
    say(`  ${id}: ${result.columns.length} columns (${result.columns.map((c) => c.variant).join(' | ')}) within ${result.width}px; ${result.headline}`);
  }

  return [
    ['ui: studio form: typed settings (key by key, a redraw mid-typing, Start clicked from the field) are exactly the run\'s settings (studio-form-typed.png)', formStep],
    ...EXPERIMENT_IDS.flatMap((id) => [
      [`ui: studio experiment ${id}: starts from the palette command and trains its runs`, () => { started = Date.now(); return startExperiment(id); }],
      [`ui: studio experiment ${id}: three seeds per variant, the verdict "shown" from the runs, every column within the panel (experiment-${id}.png)`, () => experimentStep(id)],
    ]),
  ];
}

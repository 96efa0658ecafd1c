// The Training Studio's UI steps for scripts/run-vscode-tests.mjs, driven as a person would: the command
// palette opens the studio, Start trains and the live charts update (read from the webview's DOM, with
// a screenshot), Pause holds, Stop saves the run as stopped, "Open Saved Run…" reopens it in the same
// views, and "Open TensorBoard Log…" shows the PyTorch fixture. The runner passes its page and helpers.
// Every wait is for a state, with one generous limit; the run Pause and Stop act on is long by
// construction (3 million steps: over an hour of training here), so it cannot complete within the
// step's 300 s limit, before Pause and Stop act on it, however busy the machine.
/* global document, window, getComputedStyle */ // page.evaluate() callbacks run in the webview
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiWaits } from './ui-waits.mjs';

const AXE = join(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');

/**
 * 15 steps an epoch on the default dataset: 3 million steps, over an hour at this machine's ~700 steps/s.
 * The studio records every total/200 steps, so the first frame comes after 15 000 steps (~20 s loaded).
 */
const LONG_RUN_EPOCHS = 200_000;

/**
 * @param {{ page: import('playwright-core').Page, hostRequest: (r: object) => Promise<unknown>, resultsDir: string,
 *   say: (m: string) => void, sleep: (ms: number) => Promise<void> }} ctx
 */
export function studioSteps(ctx) {
  const { page, hostRequest, resultsDir, say, sleep } = ctx;
  const { until, webviewWith } = uiWaits(page, sleep);
  /** The run the first step stopped, for the steps after it. */
  let stoppedRun = null;



  async function palette(title) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill(`>${title}`);
    await pickRow(title);
  }

  /**
   * Clicks the quick-pick row whose label is exactly `label` (a substring would pick the wrong row). On a
   * loaded machine a click can land while the list re-sorts and be lost: the row is clicked again until
   * the pick is gone (the widget hides, or shows the next pick without this row).
   */
  async function pickRow(label) {
    const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const widget = page.locator('.quick-input-widget');
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    let clicked = false;
    await until(async () => {
      const there = await row.isVisible().catch(() => false);
      if (!(await widget.isVisible()) || (clicked && !there)) return true;
      if (!there) return `no quick-pick row "${label}"`;
      await row.click({ timeout: 10_000 }).catch(() => {});
      clicked = true;
      // Given time to take effect before the row is looked at again (not a failure when it runs out).
      await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
      return `the quick pick still shows "${label}" after a click`;
    });
    await page.mouse.move(200, 10);
  }

  /** What the run view shows, read in one go. */
  async function runState(doc) {
    return doc.locator('body').evaluate(() => {
      const view = document.querySelector('.run-view');
      return view ? {
        run: view.getAttribute('data-run'),
        status: view.getAttribute('data-status'),
        frames: Number(view.getAttribute('data-frames')),
        steps: Number(view.getAttribute('data-steps')),
        lastStep: Number(view.getAttribute('data-last-step')),
        charts: document.querySelectorAll('.run-view figure[data-chart]').length,
        heatmaps: [...document.querySelectorAll('.run-view figure.heat')].map((f) => Number(f.getAttribute('data-columns'))),
        lines: document.querySelectorAll('.run-view polyline.line').length,
        layers: [...document.querySelectorAll('.run-view .layer-row')].map((r) => r.getAttribute('data-layer')),
        alert: document.querySelector('[role="alert"]')?.textContent ?? null,
        listed: [...document.querySelectorAll('ul.runs li[data-run]')].map((li) => [li.getAttribute('data-run'), li.getAttribute('data-status')]),
      } : { run: null, alert: document.querySelector('[role="alert"]')?.textContent ?? null };
    }, undefined, { timeout: 30_000 });
  }

  async function liveStep() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await palette('BN Lens: Open Training Studio');
    const { outer, doc } = await webviewWith('#start');
    // A run that cannot end by itself while the test looks at it (LONG_RUN_EPOCHS). Stop ends it.
    await doc.locator('#epochs').fill(String(LONG_RUN_EPOCHS));
    await doc.locator('#epochs').press('Tab');
    await doc.locator('#start').click();
    const first = await until(async () => {
      const s = await runState(doc);
      if (s.alert) throw new Error(`the studio shows an error: ${s.alert}`);
      return s.status === 'running' && s.frames > 0 && s.heatmaps.length > 0 ? s : `run view: ${JSON.stringify(s)}`;
    });
    // Live: the steps move on (frames come every totalSteps/200 steps, so only the first one is awaited here).
    const later = await until(async () => {
      const s = await runState(doc);
      return s.steps > first.steps ? s : `the live view did not move: ${first.steps} → ${s.steps} steps`;
    });
    if (later.status !== 'running') throw new Error(`status ${later.status} while the run should be training`);
    if (later.layers.join() !== 'bn1,relu1,bn2,relu2') throw new Error(`layer rows ${JSON.stringify(later.layers)}`);
    if (later.charts < 16 || later.heatmaps.some((c) => c === 0)) throw new Error(`charts ${later.charts}, heatmap columns ${JSON.stringify(later.heatmaps)}`);
    say(`  live: ${first.steps} → ${later.steps} steps, ${first.frames} → ${later.frames} recorded, ${later.charts} charts, ${later.heatmaps.length} heatmaps`);
    await outer.screenshot({ path: join(resultsDir, 'studio-live.png') });

    await doc.locator('#pause').click();
    const paused = await until(async () => {
      const s = await runState(doc);
      return s.status === 'paused' ? s : `status ${s.status} after Pause`;
    });
    // Nothing should happen while paused: look again a little later (a passing check cannot race anything).
    await sleep(800);
    const stillPaused = await runState(doc);
    if (stillPaused.steps !== paused.steps) throw new Error(`paused, yet the steps went on: ${paused.steps} → ${stillPaused.steps}`);
    await doc.locator('#resume').click();
    await until(async () => ((await runState(doc)).status === 'running' ? true : 'not running after Resume'));

    // Hidden and shown again mid-run, the page starts afresh from the host: no step twice, none missing.
    await hostRequest({ op: 'command', command: 'workbench.action.files.newUntitledFile' });
    await until(async () => ((await page.locator('.tabs-container .tab.active .label-name').allInnerTexts()).some((t) => /^Untitled/.test(t)) ? true : 'the untitled editor is not active yet'));
    await hostRequest({ op: 'command', command: 'workbench.action.previousEditor' });
    const again = await webviewWith('.run-view[data-status="running"]');
    const shown = await until(async () => {
      const s = await runState(again.doc);
      return s.steps > 0 && s.steps === s.lastStep ? s : `after hiding the tab the page holds ${s.steps} steps for a run at step ${s.lastStep}`;
    });
    await hostRequest({ op: 'command', command: 'workbench.action.files.revert' }).catch(() => {});
    await again.doc.locator('#stop').click();
    const stopped = await until(async () => {
      const s = await runState(again.doc);
      const listed = s.listed?.find(([n]) => n === s.run);
      return s.status === 'stopped' && listed?.[1] === 'stopped' ? s : `after Stop: status ${s.status}, listed as ${JSON.stringify(listed)}`;
    });
    say(`  hidden and shown mid-run: ${shown.steps} steps at step ${shown.lastStep}; stopped ${stopped.run} at step ${stopped.steps} (${stopped.frames} recorded steps)`);
    await again.outer.screenshot({ path: join(resultsDir, 'studio-stopped.png') });

    // Closed and reopened from the saved files: the same run, the same views.
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await palette('BN Lens: Open Saved Run…');
    await pickRow(stopped.run);
    const reopened = await webviewWith(`.run-view[data-run="${stopped.run}"]`);
    const back = await until(async () => {
      const s = await runState(reopened.doc);
      return s.run === stopped.run && s.frames === stopped.frames ? s : `reopened: ${JSON.stringify(s)}`;
    });
    if (back.status !== 'stopped' || back.steps !== stopped.steps) throw new Error(`reopened as ${back.status} with ${back.steps} steps; stopped with ${stopped.steps}`);
    await reopened.outer.screenshot({ path: join(resultsDir, 'studio-reopened.png') });
    stoppedRun = stopped.run;
  }

  /** The log panel follows a folder: an event file written after it opened shows up without a reload. */
  async function followStep() {
    if (!stoppedRun) throw new Error('no saved run from the previous step');
    const folder = `.bnlens/runs/${stoppedRun}`;
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await hostRequest({ op: 'command', command: 'bnlens.openTensorBoardLog', args: [folder] });
    const { doc } = await webviewWith('.log-error');
    const waiting = await doc.locator('.log-error').innerText();
    if (!/no TensorBoard event files/.test(waiting)) throw new Error(`before the export the panel says: ${waiting}`);
    // Exporting the run writes tensorboard/events.out.tfevents.* into the folder the panel follows.
    await hostRequest({ op: 'command', command: 'bnlens.exportRun', args: [stoppedRun, 'tensorboard'] });
    const shown = await until(async () => doc.locator('body').evaluate(() => {
      const tags = [...document.querySelectorAll('section.logs figure[data-tag]')].map((f) => f.getAttribute('data-tag'));
      return tags.includes('tensorboard/bn1/pre_norm') && tags.includes('tensorboard/train/loss_step') && !document.querySelector('.log-error') ? tags.length : `tags ${JSON.stringify(tags)}`;
    }));
    say(`  followed ${folder}: ${shown} tags appeared after the export, without a reload`);
  }

  async function tensorboardStep() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await hostRequest({ op: 'command', command: 'bnlens.openTensorBoardLog', args: ['tensorboard'] });
    const { outer, doc } = await webviewWith('section.logs');
    const shown = await until(async () => doc.locator('body').evaluate(() => {
      const ridges = [...document.querySelectorAll('section.logs figure[data-tag]')].filter((f) => f.querySelector('polygon.ridge')).map((f) => f.getAttribute('data-tag'));
      const facts = document.querySelector('.logs-header .facts-line')?.textContent ?? '';
      return ridges.length >= 3 && /following/.test(facts) ? { ridges, facts } : `ridges ${JSON.stringify(ridges)}, header "${facts}"`;
    }));
    if (!shown.ridges.some((t) => /bn1/.test(t))) throw new Error(`no bn1 histogram among ${JSON.stringify(shown.ridges)}`);
    say(`  TensorBoard fixture: ${shown.facts}; ${shown.ridges.length} histogram tags`);
    await outer.screenshot({ path: join(resultsDir, 'studio-tensorboard.png') });
  }

  /** axe-core's serious and critical violations in a webview's document, one line each. */
  async function axeProblems(outer, label) {
    const frame = await (await outer.contentFrame().locator('iframe#active-frame').elementHandle()).contentFrame();
    if ((await frame.evaluate('typeof window.axe')) !== 'object') await frame.evaluate(readFileSync(AXE, 'utf8'));
    const violations = await frame.evaluate(async () => {
      // The page's background is the editor's, painted by the workbench behind the iframe: give it to axe.
      const root = document.documentElement;
      root.style.backgroundColor = getComputedStyle(root).getPropertyValue('--vscode-editor-background').trim();
      try {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      } finally {
        root.style.backgroundColor = '';
      }
    });
    return violations.map((v) => `${label}: ${v}`);
  }

  async function axeStep() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await palette('BN Lens: Open Training Studio');
    const { outer, doc } = await webviewWith('#start');
    await until(async () => ((await doc.locator('ul.runs li[data-run][data-status]').count()) >= 2 ? true : 'fewer than two saved runs listed'));
    // The run view of a completed run, then two runs compared.
    const names = await doc.locator('ul.runs li[data-run][data-status]').evaluateAll((lis) => lis.slice(0, 2).map((li) => li.getAttribute('data-run')));
    await doc.locator(`ul.runs li[data-run="${names[0]}"] .run-name`).click();
    await until(async () => ((await runState(doc)).run === names[0] ? true : 'the run did not open'));
    const problems = await axeProblems(outer, 'run view');
    for (const n of names) await doc.locator(`input[id="cmp-${n}"]`).check();
    await doc.locator('#compare').click();
    await until(async () => ((await doc.locator('.compare-view .compare-column').count()) === 2 ? true : 'no two compare columns'));
    await outer.screenshot({ path: join(resultsDir, 'studio-compare.png') });
    problems.push(...(await axeProblems(outer, 'compare view')));
    if (problems.length) throw new Error(problems.join('\n'));
  }

  /** The Getting Started walkthrough: its four steps show, and the first one's button opens the sample in the inspector. */
  async function walkthroughStep() {
    await hostRequest({ op: 'command', command: 'workbench.action.closeAllEditors' });
    await hostRequest({ op: 'command', command: 'workbench.action.openWalkthrough', args: ['bnlens.bn-lens#gettingStarted', false] });
    const titles = ['Open a sample model', 'Probe the model', 'Start a demo training run', 'Compare with and without BatchNorm'];
    await until(async () => {
      const text = await page.locator('.gettingStartedContainer').innerText().catch(() => '');
      const missing = titles.filter((t) => !text.includes(t.slice(0, 24)));
      return missing.length === 0 ? true : `the walkthrough lacks ${JSON.stringify(missing)}`;
    });
    await page.getByText('Open a sample model').first().click();
    await page.getByRole('button', { name: 'Open the sample model' }).first().click();
    const tab = await until(async () => {
      const t = await hostRequest({ op: 'activeTab' });
      return t?.label === 'cnn-bn.onnx' && t.viewType === 'bnlens.inspector' ? t : `active tab ${JSON.stringify(t)}`;
    });
    say(`  walkthrough: 4 steps; "Open the sample model" opened ${tab.label} in ${tab.viewType}`);
  }

  return [
    ['ui: walkthrough "Get started with BN Lens" shows its 4 steps; its first button opens the sample model in the inspector', walkthroughStep],
    ['ui: studio: the palette opens the Training Studio; Start trains with live charts (studio-live.png); Pause holds; Stop saves it as stopped; "Open Saved Run…" reopens it', liveStep],
    ['ui: studio: "Open TensorBoard Log…" shows the PyTorch SummaryWriter fixture as ridge plots, following the folder', tensorboardStep],
    ['ui: studio: the TensorBoard log panel follows a run folder: the run\'s export appears without a reload', followStep],
    ['ui: studio: axe-core finds no serious or critical problems in the run view and the compare view (studio-compare.png)', axeStep],
  ];
}

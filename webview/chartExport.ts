// Saving a chart as SVG or PNG. The saved image is the chart as a reader outside VS Code needs it: a
// title naming the file, the layer and the quantity, the plot with its theme colours written into it
// (the CSS variables it uses exist only inside VS Code), tick labels, the axes' names and the legend.
// The PNG is that SVG drawn onto a canvas at twice the size.

import { axisFraction, axisTicks, tickText, type Axis } from './axes';
import { h } from './dom';

export type ChartFormat = 'svg' | 'png';
export type SaveChart = (name: string, format: ChartFormat, data: Uint8Array) => void;

const STYLE_PROPERTIES = ['fill', 'stroke', 'stroke-width', 'opacity', 'font-size', 'font-family'] as const;

/** A drawn chart and what its axes mean: what an exported image is made of. */
export interface ChartSource {
  readonly plot: SVGSVGElement | HTMLCanvasElement;
  readonly x?: Axis;
  readonly y?: Axis;
  /** The series' names and last values, one line under the plot. */
  readonly legend?: string;
}

/** A copy of an SVG chart with its computed styles inlined. */
function inlined(chart: SVGSVGElement): SVGSVGElement {
  const copy = chart.cloneNode(true) as SVGSVGElement;
  const source = [chart, ...chart.querySelectorAll('*')];
  const target = [copy, ...copy.querySelectorAll('*')];
  source.forEach((el, i) => {
    const style = getComputedStyle(el);
    const out = target[i] as SVGElement;
    for (const p of STYLE_PROPERTIES) out.style.setProperty(p, style.getPropertyValue(p));
  });
  return copy;
}

const escapeXml = (text: string): string => text.replace(/[<>&"]/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot' } as Record<string, string>)[c]};`);

/** Lines of at most `width` characters, broken at " · " or spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const PLOT_W = 560;
const PLOT_H = 220;
const LEFT = 70;
const RIGHT = 20;

/** A standalone SVG document: the title, the plot, its ticks and axis names, the legend. */
export function exportedSvg(title: string, source: ChartSource): { text: string; width: number; height: number } {
  const body = getComputedStyle(document.body);
  const ink = body.color || '#000';
  const font = body.fontFamily || 'sans-serif';
  const titleLines = wrap(title, 80);
  const top = 14 + 18 * titleLines.length + (source.y ? 16 : 0);
  const width = LEFT + PLOT_W + RIGHT;
  const height = top + PLOT_H + (source.x ? 44 : 10) + (source.legend ? 18 : 0);
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="${escapeXml(body.backgroundColor || '#fff')}"/>`);
  titleLines.forEach((line, i) => parts.push(`<text x="${LEFT}" y="${20 + 18 * i}" font-size="14" font-weight="600">${escapeXml(line)}</text>`));
  if (source.plot instanceof SVGSVGElement) {
    const copy = inlined(source.plot);
    for (const [k, v] of [['x', LEFT], ['y', top], ['width', PLOT_W], ['height', PLOT_H]] as const) copy.setAttribute(k, String(v));
    copy.setAttribute('preserveAspectRatio', 'none');
    parts.push(copy.outerHTML);
  } else {
    parts.push(`<image x="${LEFT}" y="${top}" width="${PLOT_W}" height="${PLOT_H}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${source.plot.toDataURL('image/png')}"/>`);
  }
  parts.push(`<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="${escapeXml(ink)}" stroke-opacity="0.4"/>`);
  if (source.y) {
    parts.push(`<text x="${LEFT}" y="${top - 6}" font-size="11">${escapeXml(source.y.label)}</text>`);
    for (const v of axisTicks(source.y, 4)) {
      const y = top + PLOT_H * (1 - axisFraction(source.y, v));
      parts.push(`<line x1="${LEFT - 4}" x2="${LEFT + PLOT_W}" y1="${y}" y2="${y}" stroke="${escapeXml(ink)}" stroke-opacity="0.15"/>`);
      parts.push(`<text x="${LEFT - 7}" y="${y + 4}" font-size="11" text-anchor="end">${escapeXml(tickText(v))}</text>`);
    }
  }
  if (source.x) {
    for (const v of axisTicks(source.x, 6)) {
      const x = LEFT + PLOT_W * axisFraction(source.x, v);
      parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + PLOT_H + 4}" stroke="${escapeXml(ink)}" stroke-opacity="0.15"/>`);
      parts.push(`<text x="${x}" y="${top + PLOT_H + 17}" font-size="11" text-anchor="middle">${escapeXml(tickText(v))}</text>`);
    }
    parts.push(`<text x="${LEFT + PLOT_W / 2}" y="${top + PLOT_H + 35}" font-size="11" text-anchor="middle">${escapeXml(source.x.label)}</text>`);
  }
  if (source.legend) parts.push(`<text x="${LEFT}" y="${height - 6}" font-size="11">${escapeXml(source.legend)}</text>`);
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(font)}" fill="${escapeXml(ink)}">${parts.join('')}</svg>`;
  return { text, width, height };
}

async function svgToPng(svgText: string, width: number, height: number): Promise<Uint8Array> {
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * 2);
  canvas.height = Math.round(height * 2);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas available');
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvasPng(canvas);
}

export async function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the chart could not be encoded as PNG');
  return new Uint8Array(await blob.arrayBuffer());
}

let saver: SaveChart | undefined;
let exportFile = '';

/** The file the charts show (the inspector's model file): the first part of every exported chart's title. */
export function setExportFile(file: string): void {
  exportFile = file;
}

/** The title drawn in an exported chart and given as its name: "model.onnx · bn1 · γ (scale)". */
export function exportTitle(name: string): string {
  return exportFile ? `${exportFile} · ${name}` : name;
}

/** Where exported charts go (the page posts them to the host, which asks where to save). */
export function setChartSaver(save: SaveChart): void {
  saver = save;
}

/**
 * "SVG · PNG" buttons for a chart's caption; none when the page has no saver. `name` names the layer
 * and quantity (the file is added by exportTitle); the saved image carries it as its title.
 */
export function exportButtons(name: string, chart: () => ChartSource | SVGSVGElement | null, saveWith: SaveChart | undefined = saver): HTMLElement | null {
  const save = saveWith;
  if (!save) return null;
  const button = (format: ChartFormat): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'link export', 'aria-label': `Save “${name}” as ${format.toUpperCase()}` }, format.toUpperCase());
    b.addEventListener('click', async () => {
      const drawn = chart();
      if (!drawn) return;
      const title = exportTitle(name);
      const { text, width, height } = exportedSvg(title, drawn instanceof SVGSVGElement ? { plot: drawn } : drawn);
      save(title, format, format === 'svg' ? new TextEncoder().encode(text) : await svgToPng(text, width, height));
    });
    return b;
  };
  return h('span', { class: 'exports' }, button('svg'), ' · ', button('png'));
}

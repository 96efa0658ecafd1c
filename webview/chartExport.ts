// Saving a chart as SVG or PNG. The SVG gets its theme colours written into it (the CSS variables
// it uses exist only inside VS Code); the PNG is that SVG drawn onto a canvas at twice the size.

import { h } from './dom';

export type ChartFormat = 'svg' | 'png';
export type SaveChart = (name: string, format: ChartFormat, data: Uint8Array) => void;

const STYLE_PROPERTIES = ['fill', 'stroke', 'stroke-width', 'opacity', 'font-size', 'font-family'] as const;

/** A standalone SVG document of a chart, with computed styles inlined. */
export function standaloneSvg(chart: SVGSVGElement): string {
  const copy = chart.cloneNode(true) as SVGSVGElement;
  const source = [chart, ...chart.querySelectorAll('*')];
  const target = [copy, ...copy.querySelectorAll('*')];
  source.forEach((el, i) => {
    const style = getComputedStyle(el);
    const out = target[i] as SVGElement;
    for (const p of STYLE_PROPERTIES) out.style.setProperty(p, style.getPropertyValue(p));
  });
  const { width, height } = chart.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  copy.style.setProperty('background', getComputedStyle(document.body).backgroundColor);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${copy.outerHTML}`;
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

/** Where exported charts go (the page posts them to the host, which asks where to save). */
export function setChartSaver(save: SaveChart): void {
  saver = save;
}

/** "SVG · PNG" buttons for a chart's caption; none when the page has no saver. */
export function exportButtons(name: string, chart: () => SVGSVGElement | null): HTMLElement | null {
  const save = saver;
  if (!save) return null;
  const button = (format: ChartFormat): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'link export', 'aria-label': `Save “${name}” as ${format.toUpperCase()}` }, format.toUpperCase());
    b.addEventListener('click', async () => {
      const svg = chart();
      if (!svg) return;
      const text = standaloneSvg(svg);
      const { width, height } = svg.getBoundingClientRect();
      save(name, format, format === 'svg' ? new TextEncoder().encode(text) : await svgToPng(text, width, height));
    });
    return b;
  };
  return h('span', { class: 'exports' }, button('svg'), ' · ', button('png'));
}

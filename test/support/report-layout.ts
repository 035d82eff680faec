import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from './chromium.js';

export interface LayoutCheck {
  viewportWidth: number;
  pageWidth: number;
  /** Elements whose right edge is past the viewport (outside a horizontally scrolling box). */
  tooWide: string[];
  /** SVG text (axis titles, labels, legends) drawn outside its chart's area. */
  clippedText: string[];
  charts: number;
  /** Milliseconds from navigation start to the end of the load event. */
  loadMs: number;
}

/**
 * Opens a copy of a report in headless Chromium at a window width, with a
 * script added that measures, once loaded, what a reader would see go wrong:
 * the page wider than the window, an element running off it, text cut off at
 * a chart's edge. The results come back through the DOM (--dump-dom).
 */
export function checkReportLayout(reportPath: string, width: number): LayoutCheck {
  const probe = `<script>
window.addEventListener('load', () => setTimeout(() => {
  const viewportWidth = document.documentElement.clientWidth;
  const tooWide = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest('.scroll') && !element.classList.contains('scroll')) continue;
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > viewportWidth + 1) tooWide.push(element.tagName + (element.className && element.className.baseVal === undefined ? '.' + element.className : '') + ' ' + Math.round(box.right));
  }
  const clippedText = [];
  for (const svg of document.querySelectorAll('figure svg')) {
    const area = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const box = text.getBoundingClientRect();
      if (box.width === 0) continue;
      if (box.left < area.left - 1 || box.right > area.right + 1 || box.top < area.top - 1 || box.bottom > area.bottom + 1)
        clippedText.push((svg.closest('figure').dataset.title || '?') + ': "' + text.textContent + '"');
    }
  }
  const timing = performance.getEntriesByType('navigation')[0];
  const result = { viewportWidth, pageWidth: document.documentElement.scrollWidth, tooWide: tooWide.slice(0, 20), clippedText: clippedText.slice(0, 20),
    charts: document.querySelectorAll('figure.chart svg').length, loadMs: timing ? timing.loadEventEnd - timing.startTime : -1 };
  const out = document.createElement('pre');
  out.id = 'layout-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}, 0));
</script>`;
  const probed = reportPath.replace(/\.html$/, `.probe-${width}.html`);
  writeFileSync(probed, readFileSync(reportPath, 'utf8').replace('</body>', `${probe}</body>`));
  const run = chromium(['--dump-dom', `--window-size=${width},1000`, '--virtual-time-budget=15000', `file://${probed}`]);
  if (run.status !== 0) throw new Error(`chromium failed: ${run.stderr}`);
  const match = /<pre id="layout-check">([^<]*)<\/pre>/.exec(run.stdout);
  if (match === null) throw new Error(`the layout probe did not report: ${run.stderr.slice(-2000)}`);
  return JSON.parse(
    match[1]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>'),
  ) as LayoutCheck;
}

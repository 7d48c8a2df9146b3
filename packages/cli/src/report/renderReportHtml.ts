import type { ReportData } from './ReportData.js';

/** The page script and styles, bundled with their libraries at build time. */
export interface ReportAssets {
  script: string;
  style: string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/**
 * JSON that is safe inside a `<script>` element: `<`, `>` and `&` become `\u003c`… (so no string
 * can close the element or open a comment) and U+2028/U+2029 are escaped too. Still valid JSON.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * The whole report as one HTML document: styles, data and script inline, and a Content Security
 * Policy that forbids every network request, so the file works offline and can be mailed.
 */
export function renderReportHtml(data: ReportData, assets: ReportAssets): string {
  if (/<\/script/i.test(assets.script) || /<\/style/i.test(assets.style)) {
    throw new Error('report assets cannot be inlined (they contain a closing tag)');
  }
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${assets.style}</style>`,
    '</head>',
    '<body>',
    '<noscript>This report draws its charts with JavaScript; please allow scripts for this file.</noscript>',
    `<script type="application/json" id="ferret-data">${scriptSafeJson(data)}</script>`,
    `<script>${assets.script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

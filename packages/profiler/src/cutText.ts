/**
 * `text` cut to `max` characters, the last one `…`, never splitting a surrogate pair. The result
 * is a copy (flattened through a concatenation), so it does not keep the long original alive the
 * way a plain `slice()` (a view into it) would.
 */
export function cutText(text: string, max: number): string {
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate: its pair would be cut off
  return ` ${text.slice(0, Math.max(end, 0))}…`.slice(1);
}

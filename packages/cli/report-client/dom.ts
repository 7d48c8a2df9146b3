/**
 * Creates an element; `text` is inserted with `textContent`, never parsed as HTML. Every string
 * from the database reaches the page through here or through a library's text-only setter.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { className?: string; text?: string; title?: string } = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  if (options.title !== undefined) element.title = options.title;
  for (const child of children) element.append(child);
  return element;
}

/** A titled section of the page. */
export function section(id: string, heading: string, explanation: string): HTMLElement {
  const element = el('section', { className: 'card' }, [
    el('h2', { text: heading }),
    el('p', { className: 'explain', text: explanation }),
  ]);
  element.id = id;
  return element;
}

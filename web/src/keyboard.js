// Keys of the playground. Lists of nodes (search hits, the inspector's neighbours and
// mentions) are lists of buttons (`ol.nodes` / `ul.nodes`, each button with `data-id`):
// Tab reaches them, the arrow keys, Home and End move within one, Enter opens a node
// (selects and centres it) and Shift+Enter opens and expands it.

export const KEYS = [
  ["/", "focus the search"],
  ["↓ ↑ Home End", "move through search hits, neighbours and mentions (↓ from the search: the first hit)"],
  ["Enter", "open a node: inspector, selected and centred on the canvas"],
  ["Shift+Enter", "open a node and expand its neighbours"],
  ["e or +", "expand the selected node"],
  ["Escape", "close the inspector (focus goes back where it came from)"],
];

const TYPING = ["INPUT", "TEXTAREA", "SELECT"];

/** Whether the focus is in a text field or a select (single keys then belong to it). */
export function typing() {
  return TYPING.includes(document.activeElement?.tagName);
}

/** The node button holding the focus, if any. */
export function focusedNode() {
  const active = document.activeElement;
  return active instanceof HTMLButtonElement && active.dataset.id && active.closest(".nodes") ? active : null;
}

/** Move the focus within the list of ``button`` by ``step`` (or to an end); false at an end. */
export function moveWithin(button, key) {
  const buttons = [...button.closest(".nodes").querySelectorAll("button[data-id]")];
  const index = buttons.indexOf(button);
  const target = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 }[key];
  if (target === undefined || target < 0 || target >= buttons.length) return false;
  buttons[target].focus();
  return true;
}

/** Focus the first node button of ``list``; false when it has none. */
export function focusFirst(list) {
  const first = list.querySelector("button[data-id]");
  first?.focus();
  return Boolean(first);
}

// The inspector: a node's properties, observations, aliases, mentions, relations (with their
// evidence and validity, and review buttons for proposed ones) and, for a thread, its messages.
import { gql } from "./api.js";
import { INSPECT, RELATIONS, REVIEW } from "./queries.js";
import { h, clear, when, shorten } from "./dom.js";
import { kindColour, kindOf, labelOf } from "./canvas.js";

const MAX_NEIGHBOURS = 100;

/** A focusable button for a node of a `.nodes` list (the arrow keys move between them). */
export function nodeButton(id, label, colour, onOpen) {
  return h("button", { class: "link node", "data-id": id, onclick: () => onOpen(id) },
    colour ? h("span", { class: "dot", style: `background:${colour}` }) : null, label);
}

function kindOfLabel(kind) {
  return kind ? `${kind} ·` : "";
}

function propertyTable(entries) {
  const rows = entries
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([name, value]) =>
      h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, typeof value === "object" ? JSON.stringify(value) : String(value))),
    );
  return rows.length ? h("table", { class: "props" }, h("tbody", {}, rows)) : null;
}

/** A quote as a quotation; a structured item (method, strength, typing...) as name: value. */
function evidenceText(item) {
  if (typeof item === "string") return h("q", {}, shorten(item, 200));
  if (item.quote || item.text) return h("q", {}, shorten(item.quote ?? item.text, 200));
  const parts = Object.entries(item).map(([name, value]) =>
    `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
  return shorten(parts.join(", "), 200);
}

function evidenceList(evidence) {
  const items = Array.isArray(evidence) ? evidence : evidence ? [evidence] : [];
  if (!items.length) return null;
  return h("ul", { class: "evidence" }, items.slice(0, 5).map((item) => h("li", {}, evidenceText(item))));
}

export function relationItem(relation, { onReview, onOpen, selectable = false }) {
  const status = relation.status.toLowerCase();
  const retired = relation.validTo != null;
  const from = relation.from?.name ?? relation.fromId;
  const to = relation.to?.name ?? relation.toId;
  const item = h("li", { class: `relation ${status}${retired ? " retired" : ""}`, "data-relation": relation.id },
    selectable ? h("input", { type: "checkbox", class: "pick", value: relation.id, "aria-label": `select ${from} ${relation.type} ${to}` }) : null,
    h("button", { class: "link", "data-id": relation.fromId, onclick: () => onOpen(relation.fromId) }, from),
    h("span", { class: `reltype t-${relation.type.toLowerCase()}` }, ` ${relation.type.toLowerCase()} `),
    h("button", { class: "link", "data-id": relation.toId, onclick: () => onOpen(relation.toId) }, to),
    h("div", { class: "meta" },
      `${status}${retired ? " · retired" : ""} · ${relation.method}`,
      relation.score != null ? ` · score ${relation.score.toFixed(3)}` : "",
      ` · confidence ${relation.confidence.toFixed(2)}`,
      ` · valid ${when(relation.validFrom)}${retired ? ` → ${when(relation.validTo)}` : " →"}`),
    evidenceList(relation.evidence),
    status === "proposed" && !retired
      ? h("div", { class: "actions" },
          h("button", { class: "accept", onclick: () => onReview(relation, "ACCEPT") }, "Accept"),
          h("button", { class: "reject", onclick: () => onReview(relation, "REJECT") }, "Reject"))
      : null,
  );
  return item;
}

export async function reviewRelation(relation, decision) {
  const data = await gql(REVIEW, { id: relation.id, decision });
  const result = data.reviewRelation;
  if (result.__typename !== "RelationPayload") throw new Error(result.message || result.__typename);
  return result.relation;
}

export class Inspector {
  constructor(panel, body, { onOpen, onReviewed, status, neighbours }) {
    this.panel = panel;
    this.neighbours = neighbours;
    this.neighbourTitle = null;
    this.neighbourList = null;
    this.body = body;
    this.onOpen = onOpen;
    this.onReviewed = onReviewed;
    this.status = status;
    this.current = null;
    this.asOf = null;
  }

  close() {
    this.panel.hidden = true;
    this.current = null;
  }

  async show(id) {
    this.current = id;
    this.panel.hidden = false;
    clear(this.body, h("p", {}, "Loading…"));
    let data;
    try {
      data = await gql(INSPECT, { id });
    } catch (error) {
      clear(this.body, h("p", { class: "error" }, error.message));
      return;
    }
    if (this.current !== id) return;
    const node = data.node;
    if (!node) {
      clear(this.body, h("p", { class: "error" }, `No node ${id} (or not visible with this key).`));
      return;
    }
    const sections = [
      h("h2", { id: "inspector-title", tabindex: "-1" }, labelOf(node)),
      h("p", { class: "kind" }, `${kindOf(node)} · ${node.__typename}`),
      h("p", { class: "deeplink" }, h("a", { href: `/?node=${encodeURIComponent(id)}` }, "link to this node")),
      propertyTable(this.properties(node)),
    ];
    this.neighbourTitle = h("h3", {}, "On the canvas");
    this.neighbourList = h("ul", { class: "nodes neighbours", "aria-label": "Neighbours on the canvas" });
    sections.push(this.neighbourTitle, this.neighbourList);
    if (node.__typename === "Entity") {
      if (node.aliases.length) sections.push(h("h3", {}, "Aliases"), h("p", {}, node.aliases.join(", ")));
      if (node.observations.length)
        sections.push(h("h3", {}, "Observations"), h("ul", {}, node.observations.map((text) => h("li", {}, text))));
    }
    if (node.mentionedBy) {
      const mentions = node.mentionedBy;
      sections.push(h("h3", {}, `Mentions (${mentions.totalCount})`),
        h("ul", { class: "mentions nodes", "aria-label": "Mentions" }, mentions.edges.map(({ node: text }) =>
          h("li", {}, nodeButton(text.id, shorten(labelOf(text), 80), kindColour(kindOf(text)), this.onOpen)))));
    }
    if (node.__typename === "Entity") {
      const list = h("ul", { class: "relations nodes", "aria-label": "Relations" }, h("li", {}, "Loading relations…"));
      sections.push(h("h3", {}, "Relations"), list);
      this.loadRelations(id, list);
    }
    if (node.__typename === "Thread") {
      sections.push(h("h3", {}, `Messages (${node.messages.totalCount})`),
        h("ol", { class: "timeline" }, node.messages.edges.map(({ node: message }) =>
          h("li", { class: `message ${message.role}` },
            h("div", { class: "meta" }, `#${message.idx} · ${message.role} · ${when(message.createdAt)}`),
            h("div", { class: "content" }, shorten(message.content, 600))))));
    }
    clear(this.body, sections);
    this.refreshNeighbours();
    this.body.querySelector("#inspector-title")?.focus({ preventScroll: true });
  }

  /** List the open node's neighbours as drawn now (after an expansion, a review...). */
  refreshNeighbours() {
    if (!this.current || !this.neighbourList?.isConnected) return;
    const found = this.neighbours(this.current);
    if (found === null) {
      this.neighbourTitle.textContent = "On the canvas";
      clear(this.neighbourList, h("li", { class: "empty" }, "Not drawn: press e to draw it with its neighbours."));
      return;
    }
    this.neighbourTitle.textContent = `On the canvas: ${found.length} neighbour${found.length === 1 ? "" : "s"}`;
    const focused = this.neighbourList.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    const shown = found.slice(0, MAX_NEIGHBOURS);
    clear(this.neighbourList,
      shown.length
        ? shown.map((entry) => h("li", {}, nodeButton(entry.id, entry.label, entry.color, this.onOpen),
            h("span", { class: "meta" }, ` ${kindOfLabel(entry.kind)} ${entry.relations.join(", ")}`)))
        : [h("li", { class: "empty" }, "No neighbour drawn: press e to expand it.")],
      found.length > shown.length ? h("li", { class: "meta" }, `and ${found.length - shown.length} more`) : null);
    if (focused) this.neighbourList.querySelector(`button[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  properties(node) {
    const skip = new Set(["__typename", "mentionedBy", "messages", "observations", "aliases", "properties", "label"]);
    const entries = Object.entries(node).filter(([name]) => !skip.has(name));
    if (node.__typename === "GraphNode") entries.push(...Object.entries(node.properties || {}));
    else if (node.properties && Object.keys(node.properties).length) entries.push(["properties", node.properties]);
    return entries.map(([name, value]) => [name, value && typeof value === "object" && "id" in value ? value.id : value]);
  }

  async loadRelations(id, list) {
    try {
      const data = await gql(RELATIONS, { id, asOf: this.asOf });
      const edges = data.relations.edges;
      clear(list, edges.length
        ? edges.map(({ node }) => relationItem(node, { onOpen: this.onOpen, onReview: (r, d) => this.review(r, d) }))
        : [h("li", {}, this.asOf ? "No relation valid then." : "No current relation.")]);
    } catch (error) {
      clear(list, h("li", { class: "error" }, error.message));
    }
  }

  async review(relation, decision) {
    try {
      const updated = await reviewRelation(relation, decision);
      this.status(`${decision === "ACCEPT" ? "Accepted" : "Rejected"} ${relation.type.toLowerCase()} relation.`);
      this.onReviewed([updated]);
      if (this.current) this.show(this.current);
    } catch (error) {
      this.status(error.message, true);
    }
  }
}

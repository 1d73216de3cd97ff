// The playground: search, a canvas to explore the graph, an inspector, sessions, discovery
// review, metrics and an as-of control. Everything comes from this service's GraphQL API.
import "./style.css";
import { apiKey, gql, gqlAlgorithm, setApiKey } from "./api.js";
import { COMMUNITIES, NAMESPACES, NEIGHBORHOOD, PAGE_RANK, RELATION_GRAPH, SEARCH } from "./queries.js";
import { h, clear, shorten } from "./dom.js";
import { GraphCanvas, kindColour, kindOf, labelOf, namespaceOf } from "./canvas.js";
import { Inspector } from "./inspector.js";
import { MetricsPanel, ReviewPanel, SessionsPanel } from "./panels.js";
import { KEYS, focusFirst, focusedNode, moveWithin, typing } from "./keyboard.js";

const RELATION_TYPES = ["uses", "depends_on", "tests", "extends", "implements", "part_of", "connects_to", "related_to", "same_as"];
const OVERVIEW_LIMIT = 2000;
const $ = (id) => document.getElementById(id);

class Playground {
  constructor() {
    const params = new URLSearchParams(location.search);
    this.namespace = params.get("ns") || localStorage.getItem("kg.namespace") || "default";
    this.asOf = null;
    this.caps = new Map(); // node id -> node cap used for its last expansion
    this.lastExpanded = null;
    this.timings = {};
    this.canvas = new GraphCanvas($("graph"), {
      onSelect: (id) => this.open(id, { expand: false }),
      onExpand: (id) => this.expand(id),
    });
    this.inspector = new Inspector($("inspector"), $("inspector-body"), {
      onOpen: (id) => this.open(id),
      onReviewed: (relations) => this.reviewed(relations),
      status: (text, error) => this.status(text, error),
      neighbours: (id) => this.canvas.neighbours(id),
    });
    this.returnFocus = null; // where Escape sends the focus back to
    this.sessions = new SessionsPanel(this);
    this.review = new ReviewPanel(this);
    this.metrics = new MetricsPanel(this);
    this.wire();
  }

  wire() {
    const key = $("api-key");
    key.value = apiKey();
    key.addEventListener("change", () => {
      setApiKey(key.value.trim());
      this.status(key.value ? "API key saved in this browser." : "API key removed.");
      this.start();
    });
    $("namespace").addEventListener("change", (event) => this.setNamespace(event.target.value));
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => this.showTab(tab));
    $("inspector-close").addEventListener("click", () => this.closeInspector());
    $("overview").addEventListener("click", () => this.overview());
    $("expand").addEventListener("click", () => this.canvas.selected && this.expand(this.canvas.selected));
    $("show-more").addEventListener("click", () => this.showMore());
    $("colour-by").addEventListener("change", (event) => this.colourBy(event.target.value));
    $("size-by").addEventListener("change", (event) => this.sizeBy(event.target.value));
    $("show-retired").addEventListener("change", (event) => {
      this.canvas.setShowRetired(event.target.checked);
      this.overview();
    });
    $("as-of").addEventListener("change", (event) => this.setAsOf(event.target.value));
    $("as-of-clear").addEventListener("click", () => {
      $("as-of").value = "";
      this.setAsOf("");
    });
    const relType = $("rel-type");
    for (const type of RELATION_TYPES) relType.append(h("option", { value: type }, type));
    relType.append(h("option", { value: "MENTIONS" }, "mentions"));
    document.addEventListener("keydown", (event) => this.key(event));
    this.showKeys();
    window.addEventListener("popstate", () => this.followLocation());
  }

  key(event) {
    const node = focusedNode();
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (event.key === "/" && !typing()) {
      event.preventDefault();
      this.showTab($("tab-explore"));
      $("search").focus();
    } else if (event.key === "Escape" && !$("inspector").hidden) {
      event.preventDefault();
      this.closeInspector();
    } else if (event.key === "ArrowDown" && document.activeElement === $("search")) {
      if (focusFirst($("results"))) event.preventDefault();
    } else if (node && ["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) {
      event.preventDefault();
      if (!moveWithin(node, event.key) && event.key === "ArrowUp" && node.closest("#results")) $("search").focus();
    } else if (node && event.key === "Enter" && event.shiftKey) {
      event.preventDefault(); // not a click: open and expand
      this.openExpanded(node.dataset.id);
    } else if ((event.key === "+" || event.key === "e") && plain && !typing() && this.canvas.selected) {
      event.preventDefault();
      this.expand(this.canvas.selected);
    }
  }

  showKeys() {
    clear($("keys"), KEYS.flatMap(([keys, what]) => [h("dt", {}, h("kbd", {}, keys)), h("dd", {}, what)]));
  }

  status(text, error = false) {
    const line = $("status");
    line.textContent = text;
    line.classList.toggle("error", Boolean(error));
  }

  showTab(tab) {
    for (const other of document.querySelectorAll("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (tab.id === "tab-sessions") this.sessions.load();
    if (tab.id === "tab-metrics") this.metrics.load();
  }

  async start() {
    await Promise.all([this.loadNamespaces(), this.followLocation()]);
  }

  async loadNamespaces() {
    const select = $("namespace");
    const names = new Set(["default", this.namespace]);
    try {
      const data = await gql(NAMESPACES);
      for (const name of data.namespaces) names.add(name);
    } catch (error) {
      this.status(error.code === "UNAUTHENTICATED" || /API key/.test(error.message)
        ? "This service needs an API key: enter it above." : error.message, true);
    }
    clear(select, [...names].sort().map((name) => h("option", { value: name, selected: name === this.namespace }, name)));
  }

  setNamespace(namespace) {
    this.namespace = namespace;
    localStorage.setItem("kg.namespace", namespace);
    this.closeInspector(false);
    clear($("results"));
    this.canvas.communities.clear();
    this.canvas.pageRank.clear();
    $("colour-by").value = "kind";
    $("size-by").value = "degree";
    this.canvas.setColourBy("kind");
    this.canvas.setSizeBy("degree");
    history.pushState({}, "", `/?ns=${encodeURIComponent(namespace)}`);
    this.overview();
    if (!$("panel-sessions").hidden) this.sessions.load();
    if (!$("panel-metrics").hidden) this.metrics.load();
  }

  /** Only nodes of the chosen namespace are ever drawn or listed. */
  visible(node) {
    const namespace = namespaceOf(node);
    return namespace === null || namespace === this.namespace;
  }

  async followLocation() {
    const params = new URLSearchParams(location.search);
    const id = params.get("node");
    if (id) {
      await this.open(id, { push: false, expand: !this.canvas.graph.hasNode(id) });
    } else {
      this.closeInspector(false);
      await this.overview();
    }
  }

  async overview() {
    const started = performance.now();
    this.status("Loading the namespace…");
    try {
      const data = await gql(RELATION_GRAPH, {
        ns: this.namespace, limit: OVERVIEW_LIMIT, asOf: this.asOf, retired: $("show-retired").checked,
      });
      const view = data.relationGraph;
      const fetched = performance.now();
      const steps = this.canvas.replace(view.nodes.filter((node) => this.visible(node)), view.edges);
      this.drawLegend();
      this.inspector.refreshNeighbours();
      const drawn = performance.now();
      await nextFrame();
      this.timings.overview = { fetch: fetched - started, ...steps, paint: performance.now() - drawn, total: performance.now() - started };
      const { nodes, edges } = this.canvas.snapshot();
      this.status(`${nodes} entities and ${edges} relations of ${this.namespace}${this.asOf ? ` as of ${this.asOf}` : ""}${view.truncated ? ` (the ${OVERVIEW_LIMIT} most related)` : ""}.`);
    } catch (error) {
      this.status(error.message, true);
    }
  }

  async search() {
    const text = $("search").value.trim();
    if (!text) return;
    const kinds = [...document.querySelectorAll("input[name=kind]:checked")].map((input) => input.value);
    const list = $("results");
    clear(list, h("li", {}, "Searching…"));
    try {
      const data = await gql(SEARCH, { text, kinds, ns: this.namespace, k: 20 });
      const hits = data.search.filter((hit) => this.visible(hit.node));
      clear(list, hits.length ? hits.map((hit, index) => h("li", {},
        h("button", { class: "item hit", "data-id": hit.node.id, onclick: () => this.open(hit.node.id), "aria-label": `${index + 1}. ${kindOf(hit.node)} ${labelOf(hit.node)}` },
          h("span", { class: "dot", style: `background:${kindColour(kindOf(hit.node))}` }),
          h("strong", {}, labelOf(hit.node)), h("span", { class: "meta" }, ` ${kindOf(hit.node)} · ${hit.score.toFixed(3)}`),
          hit.node.content ? h("div", { class: "snippet" }, shorten(hit.node.content, 140)) : null)))
        : [h("li", { class: "empty" }, "No match.")]);
      this.status(`${hits.length} hits for “${text}”.`);
    } catch (error) {
      clear(list, h("li", { class: "error" }, error.message));
    }
  }

  /** Select a node: inspector, deep link, and (if not drawn yet) its neighbourhood. */
  async open(id, { push = true, expand = true } = {}) {
    const active = document.activeElement;
    if (active && active !== document.body && !$("inspector").contains(active)) this.returnFocus = active;
    if (push && new URLSearchParams(location.search).get("node") !== id) {
      history.pushState({ node: id }, "", `/?node=${encodeURIComponent(id)}`);
    }
    if (expand && !this.canvas.graph.hasNode(id)) await this.expand(id, { fresh: this.canvas.graph.order > 1500 });
    this.canvas.select(id);
    $("expand").disabled = !this.canvas.selected;
    this.inspector.asOf = this.asOf;
    await this.inspector.show(id);
  }

  closeInspector(updateUrl = true) {
    const wasOpen = !$("inspector").hidden;
    this.inspector.close();
    this.canvas.select(null);
    $("expand").disabled = true;
    if (updateUrl && wasOpen && new URLSearchParams(location.search).has("node")) {
      history.pushState({}, "", "/");
    }
    const back = this.returnFocus;
    this.returnFocus = null;
    if (wasOpen) (back?.isConnected ? back : $("graph")).focus({ preventScroll: true });
  }

  /** Draw a node's neighbours, then open it (selected and centred). */
  async openExpanded(id) {
    await this.expand(id);
    await this.open(id, { expand: false });
  }

  /** Draw a node's neighbours (depth, relation type and node cap from the toolbar). */
  async expand(id, { fresh = false, cap = null } = {}) {
    const started = performance.now();
    const limit = cap ?? Number($("node-cap").value || 50);
    const rel = $("rel-type").value ? [$("rel-type").value] : null;
    try {
      const data = await gql(NEIGHBORHOOD, { id, depth: Number($("depth").value), rel, limit });
      const fetched = performance.now();
      const view = data.neighborhood;
      const nodes = view.nodes.filter((node) => this.visible(node));
      if (fresh) this.canvas.graph.clear();
      const added = this.canvas.merge(nodes, view.edges, id);
      this.drawLegend();
      this.inspector.refreshNeighbours();
      const merged = performance.now();
      await nextFrame();
      this.timings.expand = { fetch: fetched - started, merge: merged - fetched, total: performance.now() - started };
      this.caps.set(id, limit);
      this.lastExpanded = view.truncated ? id : null;
      $("show-more").hidden = !view.truncated;
      this.status(`${added.length} new neighbours of ${labelOf(nodes[0] || { id })}${view.truncated ? " (more: “Show more”)" : ""}.`);
      return added;
    } catch (error) {
      this.status(error.message, true);
      return [];
    }
  }

  showMore() {
    if (!this.lastExpanded) return;
    const cap = Math.min(500, 2 * (this.caps.get(this.lastExpanded) || 50));
    this.expand(this.lastExpanded, { cap });
  }

  reviewed(relations) {
    for (const relation of relations) {
      if (this.canvas.updateRelation(relation) || relation.status === "REJECTED") continue;
      this.canvas.merge([], [{
        id: relation.id, from: relation.fromId, to: relation.toId, label: "RELATED",
        type: relation.type.toLowerCase(), properties: { status: relation.status.toLowerCase(), valid_to: relation.validTo },
      }], null);
    }
    this.inspector.refreshNeighbours();
  }

  setAsOf(value) {
    this.asOf = value ? new Date(value).toISOString() : null;
    this.inspector.asOf = this.asOf;
    this.overview();
    if (this.inspector.current) this.inspector.show(this.inspector.current);
  }

  async colourBy(mode) {
    if (mode === "community" && !this.canvas.communities.size) {
      try {
        const data = await gqlAlgorithm(COMMUNITIES, { ns: this.namespace });
        for (const community of data.communities.communities) {
          for (const member of community.memberIds) this.canvas.communities.set(member, community.index);
        }
      } catch (error) {
        this.status(error.message, true);
      }
    }
    this.canvas.setColourBy(mode);
  }

  async sizeBy(mode) {
    if (mode === "pagerank" && !this.canvas.pageRank.size) {
      try {
        const data = await gqlAlgorithm(PAGE_RANK, { ns: this.namespace });
        const top = Math.max(...data.pageRank.entities.map((entry) => entry.score), 1e-9);
        for (const entry of data.pageRank.entities) this.canvas.pageRank.set(entry.id, entry.score / top);
      } catch (error) {
        this.status(error.message, true);
      }
    }
    this.canvas.setSizeBy(mode);
  }

  drawLegend() {
    clear($("legend"), this.canvas.legend().map(([kind, colour]) =>
      h("span", { class: "key" }, h("span", { class: "dot", style: `background:${colour}` }), kind)));
  }
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

const playground = new Playground();
window.kgPlayground = {
  ready: playground.start().then(() => true),
  snapshot: () => playground.canvas.snapshot(),
  edge: (id) => playground.canvas.edge(id),
  timings: () => playground.timings,
  expand: (id) => playground.expand(id),
  overview: () => playground.overview(),
  nodes: () => playground.canvas.graph.nodes(),
  position: (id) => playground.canvas.position(id),
};

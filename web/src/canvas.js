// The graph canvas: graphology holds the nodes and edges, sigma draws them with WebGL,
// ForceAtlas2 lays them out. Nodes are coloured by kind (or community) and sized by
// degree (or PageRank); relations are styled by type, proposed ones dashed.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";
import { EdgeDashedProgram } from "./dashed.js";

const KIND_COLOURS = {
  project: "#1f77b4", library: "#ff7f0e", service: "#2ca02c", test: "#d62728", concept: "#9467bd",
  file: "#8c564b", tool: "#e377c2", person: "#17becf", custom: "#bcbd22",
  Project: "#0b3d91", Session: "#3b6fb6", Thread: "#5a9bd5", Message: "#7f7f7f",
  Conversation: "#a05195", Reflection: "#d45087", Job: "#666666",
};
const TYPE_COLOURS = {
  uses: "#4e79a7", depends_on: "#f28e2b", tests: "#e15759", extends: "#76b7b2",
  implements: "#59a14f", part_of: "#edc948", connects_to: "#b07aa1", related_to: "#9c755f",
  same_as: "#ff9da7",
};
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const OTHER_EDGE = "#b8b8b8";

export function kindOf(node) {
  if (node.__typename === "Entity") return node.kind;
  if (node.__typename === "GraphNode") return node.label;
  return node.__typename;
}

export function labelOf(node) {
  const text = node.name ?? node.filePath ?? node.externalId ?? node.properties?.name ?? node.content ?? node.kind;
  const label = text ?? node.label ?? node.id;
  return String(label).length > 40 ? `${String(label).slice(0, 39)}…` : String(label);
}

export function namespaceOf(node) {
  return node.namespace ?? node.properties?.namespace ?? null;
}

export function kindColour(kind) {
  if (KIND_COLOURS[kind]) return KIND_COLOURS[kind];
  let hash = 0;
  for (const char of String(kind)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

function edgeStyle(edge) {
  const properties = edge.properties || {};
  const status = String(properties.status || "").toLowerCase();
  const retired = properties.valid_to != null;
  const type = edge.type || null;
  return {
    relType: type,
    status,
    retired,
    label: type || edge.label,
    color: retired ? "#dddddd" : type ? TYPE_COLOURS[type] || OTHER_EDGE : OTHER_EDGE,
    size: type ? (status === "proposed" ? 1.5 : 2) : 1,
    type: status === "proposed" || retired ? "dashed" : "line",
  };
}

/** ForceAtlas2 iterations from a random start until the layout has settled, by graph size. */
function iterationsFor(count) {
  if (count <= 300) return 150;
  if (count <= 1000) return 80;
  return 40;
}

export class GraphCanvas {
  constructor(container, { onSelect, onExpand }) {
    this.graph = new Graph({ multi: true, type: "directed", allowSelfLoops: true });
    this.colourBy = "kind";
    this.sizeBy = "degree";
    this.communities = new Map();
    this.pageRank = new Map();
    this.selected = null;
    this.onSelect = onSelect;
    this.onExpand = onExpand;
    this.renderer = new Sigma(this.graph, container, {
      defaultEdgeType: "line",
      edgeProgramClasses: { dashed: EdgeDashedProgram },
      renderEdgeLabels: false,
      labelRenderedSizeThreshold: 5,
      zIndex: true,
      nodeReducer: (node, data) => this.reduceNode(node, data),
      edgeReducer: (edge, data) => this.reduceEdge(edge, data),
    });
    this.renderer.on("clickNode", ({ node }) => this.onSelect(node));
    this.renderer.on("doubleClickNode", ({ node, event }) => {
      event.preventSigmaDefault();
      this.onExpand(node);
    });
  }

  reduceNode(node, data) {
    const result = { ...data };
    if (this.colourBy === "community" && this.communities.size) {
      const index = this.communities.get(node);
      result.color = index === undefined ? "#cccccc" : PALETTE[index % PALETTE.length];
    }
    if (this.sizeBy === "pagerank" && this.pageRank.size) {
      result.size = 3 + 40 * Math.sqrt(this.pageRank.get(node) || 0);
    }
    if (node === this.selected) {
      result.highlighted = true;
      result.zIndex = 2;
      result.forceLabel = true;
    }
    return result;
  }

  reduceEdge(edge, data) {
    if (data.retired && !this.showRetired) return { ...data, hidden: true };
    if (this.selected) {
      const [source, target] = this.graph.extremities(edge);
      if (source === this.selected || target === this.selected) return { ...data, zIndex: 1, size: data.size + 1 };
    }
    return data;
  }

  /** Replace everything with these nodes and edges, laid out before the first paint. */
  replace(nodes, edges) {
    const started = performance.now();
    this.graph.clear();
    this.selected = null;
    const count = nodes.length;
    const side = 10 * Math.sqrt(count);
    for (const node of nodes) this.addNode(node, side * Math.random(), side * Math.random());
    for (const edge of edges) this.addEdge(edge);
    this.resize();
    const built = performance.now();
    this.layout(iterationsFor(count));
    this.labelThreshold();
    const laidOut = performance.now();
    this.renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
    return { build: built - started, layout: laidOut - built, render: performance.now() - laidOut };
  }

  /** Add nodes and edges around ``centre`` (new nodes on a ring round it); returns the ids added. */
  merge(nodes, edges, centre) {
    const added = [];
    const origin = centre && this.graph.hasNode(centre) ? this.graph.getNodeAttributes(centre) : { x: 0, y: 0 };
    const fresh = nodes.filter((node) => !this.graph.hasNode(node.id));
    const ring = 5 + 2 * Math.sqrt(fresh.length);
    fresh.forEach((node, index) => {
      const angle = (2 * Math.PI * index) / fresh.length;
      this.addNode(node, origin.x + ring * Math.cos(angle), origin.y + ring * Math.sin(angle));
      added.push(node.id);
    });
    const touched = new Set(added);
    for (const edge of edges) {
      if (this.addEdge(edge)) {
        touched.add(edge.from);
        touched.add(edge.to);
      }
    }
    if (!touched.size) return added; // everything was drawn already: nothing to redraw
    this.resize(touched);
    this.labelThreshold();
    // The graph's events have scheduled a redraw of what changed, at the next frame.
    if (this.graph.order <= 600 && added.length) this.layout(20);
    return added;
  }

  addNode(node, x, y) {
    if (this.graph.hasNode(node.id)) return;
    const kind = kindOf(node);
    this.graph.addNode(node.id, { x, y, size: 4, label: labelOf(node), color: kindColour(kind), kind, node });
  }

  /** Every label on small graphs; on large ones, those of the bigger nodes only. */
  labelThreshold() {
    this.renderer.setSetting("labelRenderedSizeThreshold", this.graph.order > 300 ? 9 : 0);
  }

  /** Add (or restyle) an edge; true when it is new. */
  addEdge(edge) {
    if (this.graph.hasEdge(edge.id)) {
      const style = edgeStyle(edge);
      const drawn = this.graph.getEdgeAttributes(edge.id);
      if (drawn.status !== style.status || drawn.retired !== style.retired) {
        this.graph.mergeEdgeAttributes(edge.id, { ...style, edge });
      }
      return false;
    }
    if (!this.graph.hasNode(edge.from) || !this.graph.hasNode(edge.to)) return false;
    this.graph.addDirectedEdgeWithKey(edge.id, edge.from, edge.to, { ...edgeStyle(edge), edge });
    return true;
  }

  /** Sizes by degree, of every node or of ``only`` (PageRank is applied by the node reducer). */
  resize(only = null) {
    const size = (node) => this.graph.setNodeAttribute(node, "size", 3 + 1.6 * Math.sqrt(this.graph.degree(node)));
    if (only) for (const node of only) this.graph.hasNode(node) && size(node);
    else this.graph.forEachNode(size);
  }

  layout(iterations) {
    if (this.graph.order < 2) return;
    const settings = forceAtlas2.inferSettings(this.graph);
    // Barnes-Hut above 300 nodes, with Gephi's default theta (1.2: about 3 times cheaper
    // per iteration than the library's 0.5 at 2,000 nodes, and as settled to the eye).
    const barnesHut = { barnesHutOptimize: this.graph.order > 300, barnesHutTheta: 1.2 };
    forceAtlas2.assign(this.graph, { iterations, settings: { ...settings, ...barnesHut } });
  }

  /** A relation changed (e.g. reviewed): restyle its edge if it is drawn. */
  updateRelation(relation) {
    if (!this.graph.hasEdge(relation.id)) return false;
    const edge = this.graph.getEdgeAttribute(relation.id, "edge");
    const properties = { ...edge.properties, status: relation.status.toLowerCase(), valid_to: relation.validTo };
    const updated = { ...edge, properties };
    if (relation.status === "REJECTED") {
      this.graph.dropEdge(relation.id);
    } else {
      this.graph.mergeEdgeAttributes(relation.id, { ...edgeStyle(updated), edge: updated });
    }
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
    return true;
  }

  select(id) {
    this.selected = id && this.graph.hasNode(id) ? id : null;
    if (this.selected) {
      const { x, y } = this.renderer.getNodeDisplayData(this.selected) || {};
      if (x !== undefined) this.renderer.getCamera().animate({ x, y }, { duration: 200 });
    }
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
  }

  setColourBy(mode) {
    this.colourBy = mode;
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
  }

  setSizeBy(mode) {
    this.sizeBy = mode;
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
  }

  setShowRetired(show) {
    this.showRetired = show;
    this.renderer.refresh({ schedule: true }); // one render, at the next frame
  }

  legend() {
    const kinds = new Map();
    this.graph.forEachNode((_, attributes) => kinds.set(attributes.kind, attributes.color));
    return [...kinds.entries()].sort();
  }

  /**
   * The drawn neighbours of a node (null when it is not drawn), by label: each with the
   * relations to it (`→ uses` from the node, `← uses` to it). Hidden retired edges do not count.
   */
  neighbours(id) {
    if (!this.graph.hasNode(id)) return null;
    const found = new Map();
    this.graph.forEachEdge(id, (edge, attributes, source, target) => {
      if (attributes.retired && !this.showRetired) return;
      const other = source === id ? target : source;
      if (other === id) return;
      if (!found.has(other)) {
        const { label, kind, color } = this.graph.getNodeAttributes(other);
        found.set(other, { id: other, label, kind, color, relations: new Set() });
      }
      found.get(other).relations.add(`${source === id ? "→" : "←"} ${attributes.label}`);
    });
    return [...found.values()]
      .map((entry) => ({ ...entry, relations: [...entry.relations].sort() }))
      .sort((a, b) => a.label.localeCompare(b.label));
  }

  /** What is drawn, for tests and the benchmark. */
  snapshot() {
    return { nodes: this.graph.order, edges: this.graph.size, selected: this.selected };
  }

  /** Where a node is drawn, in pixels from the canvas's top left corner. */
  position(id) {
    if (!this.graph.hasNode(id)) return null;
    const { x, y } = this.graph.getNodeAttributes(id);
    return this.renderer.graphToViewport({ x, y });
  }

  edge(id) {
    if (!this.graph.hasEdge(id)) return null;
    const { type, color, status, retired, relType } = this.graph.getEdgeAttributes(id);
    return { type, color, status, retired, relType };
  }
}

// The side panels besides search: sessions (project → chain → threads → messages),
// discovery review (start a job, watch it live, review its proposals) and metrics.
import { gql, gqlAlgorithm, subscribe } from "./api.js";
import { CANDIDATES, JOB_PROGRESS, METRICS, PROJECTS, PROJECT_VIEW, START_DISCOVERY, TOP_RANKED } from "./queries.js";
import { h, clear, when, shorten } from "./dom.js";
import { labelOf } from "./canvas.js";
import { relationItem, reviewRelation } from "./inspector.js";

export class SessionsPanel {
  constructor(app) {
    this.app = app;
    this.list = document.getElementById("projects");
    this.view = document.getElementById("project-view");
    this.filter = document.getElementById("project-filter");
    document.getElementById("project-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
    this.filter.addEventListener("input", () => this.load());
  }

  async load() {
    const where = { namespace: { eq: this.app.namespace } };
    if (this.filter.value.trim()) where.name = { contains: this.filter.value.trim() };
    try {
      const data = await gql(PROJECTS, { where });
      clear(this.list, data.projects.edges.length
        ? data.projects.edges.map(({ node }) => h("li", {}, h("button", { class: "item", onclick: () => this.open(node.id) },
            h("strong", {}, node.name), node.path ? h("span", { class: "meta" }, ` ${node.path}`) : null)))
        : [h("li", { class: "empty" }, "No project in this namespace.")]);
    } catch (error) {
      clear(this.list, h("li", { class: "error" }, error.message));
    }
  }

  async open(id) {
    clear(this.view, h("p", {}, "Loading…"));
    let data;
    try {
      data = await gql(PROJECT_VIEW, { id });
    } catch (error) {
      clear(this.view, h("p", { class: "error" }, error.message));
      return;
    }
    const project = data.project;
    if (!project) return clear(this.view, h("p", { class: "error" }, "Project not found."));
    const sessions = new Map(project.sessions.edges.map(({ node }) => [node.id, node]));
    clear(this.view,
      h("h2", {}, project.name),
      project.description ? h("p", {}, project.description) : null,
      h("h3", {}, "Session chain"),
      this.chain(data.sessionChain, sessions, project.latestSession?.id),
      h("h3", {}, `Sessions (${project.sessions.totalCount})`),
      h("ul", { class: "sessions" }, [...sessions.values()].map((session) =>
        h("li", {}, h("div", {}, h("strong", {}, session.externalId), h("span", { class: "meta" }, ` ${session.agent ?? ""} · ${session.status} · ${when(session.createdAt)}`)),
          h("ul", { class: "threads" }, session.threads.edges.map(({ node: thread }) =>
            h("li", {}, h("button", { class: "item", onclick: () => this.app.open(thread.id) },
              `${thread.name} (${thread.messageCount} messages, ${thread.status})`))))))),
      h("h3", {}, `Conversations (${data.conversations.totalCount})`),
      h("ul", {}, data.conversations.edges.map(({ node }) =>
        h("li", {}, h("button", { class: "item", onclick: () => this.app.open(node.id) }, `${when(node.createdAt)} ${shorten(node.content, 90)}`)))),
      h("h3", {}, `Reflections (${data.reflections.totalCount})`),
      h("ul", {}, data.reflections.edges.map(({ node }) =>
        h("li", {}, h("button", { class: "item", onclick: () => this.app.open(node.id) },
          `${shorten(node.content, 90)}${node.tags.length ? ` [${node.tags.join(", ")}]` : ""}`)))),
    );
  }

  /** The session chain as a path: one dot per session, transitions labelled by source and time. */
  chain(links, sessions, latest) {
    if (!links.length) return h("p", { class: "empty" }, "No transition recorded.");
    const ids = [links[0].previousId, ...links.map((link) => link.nextId)];
    const step = 150;
    const width = step * (ids.length - 1) + 80;
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} 90`);
    svg.setAttribute("width", String(width));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `Session chain of ${ids.length} sessions`);
    const add = (tag, attributes, text) => {
      const element = document.createElementNS(svgNS, tag);
      for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
      if (text) element.textContent = text;
      svg.append(element);
      return element;
    };
    links.forEach((link, index) => {
      const x1 = 40 + index * step;
      add("line", { x1, y1: 50, x2: x1 + step, y2: 50, class: "chain-link" });
      add("text", { x: x1 + step / 2, y: 40, "text-anchor": "middle", class: "chain-source" }, link.source);
      add("text", { x: x1 + step / 2, y: 75, "text-anchor": "middle", class: "chain-time" }, when(link.at).slice(5, 16));
    });
    ids.forEach((id, index) => {
      const session = sessions.get(id);
      const circle = add("circle", { cx: 40 + index * step, cy: 50, r: id === latest ? 9 : 7, class: id === latest ? "chain-node latest" : "chain-node", tabindex: 0 });
      circle.append(Object.assign(document.createElementNS(svgNS, "title"), { textContent: session ? session.externalId : id }));
      circle.addEventListener("click", () => this.app.open(id));
      circle.addEventListener("keydown", (event) => event.key === "Enter" && this.app.open(id));
      add("text", { x: 40 + index * step, y: 20, "text-anchor": "middle", class: "chain-label" }, shorten(session?.externalId ?? id, 18));
    });
    return h("div", { class: "chain" }, svg);
  }
}

export class ReviewPanel {
  constructor(app) {
    this.app = app;
    this.jobView = document.getElementById("job");
    this.jobId = document.getElementById("job-id");
    this.list = document.getElementById("candidates");
    this.stop = null;
    document.getElementById("discovery-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    document.getElementById("job-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.jobId.value.trim()) this.candidates(this.jobId.value.trim());
    });
  }

  async start() {
    const methods = [...document.querySelectorAll("input[name=method]:checked")].map((input) => input.value);
    const input = {
      namespace: this.app.namespace,
      threshold: Number(document.getElementById("threshold").value),
      methods,
      dryRun: document.getElementById("dry-run").checked,
    };
    try {
      const data = await gql(START_DISCOVERY, { input });
      const result = data.startDiscovery;
      if (result.__typename !== "StartDiscoveryPayload") throw new Error(result.message || result.__typename);
      this.jobId.value = result.job.id;
      this.watch(result.job.id);
    } catch (error) {
      clear(this.jobView, h("p", { class: "error" }, error.message));
    }
  }

  watch(id) {
    this.stop?.();
    const bar = h("progress", { max: 1, value: 0, "aria-label": "Discovery progress" });
    const text = h("span", {}, "queued");
    clear(this.jobView, h("div", {}, bar, " ", text));
    this.stop = subscribe(JOB_PROGRESS, { id }, (data) => {
      const job = data.jobProgress;
      bar.value = job.progress;
      const counts = Object.entries(job.counts || {}).filter(([, value]) => typeof value === "number");
      text.textContent = `${job.status.toLowerCase()} · ${Math.round(job.progress * 100)}%${counts.map(([name, value]) => ` · ${name.replaceAll("_", " ")} ${value}`).join("")}`;
      if (job.status === "SUCCEEDED") {
        this.candidates(id);
        this.app.overview(); // the proposals are drawn, dashed
      }
    }, (error) => {
      if (error) text.textContent = `subscription ended: ${error.message}`;
      else this.candidates(id);
    });
  }

  async candidates(jobId) {
    try {
      const data = await gql(CANDIDATES, { job: jobId });
      const edges = data.relationCandidates.edges;
      const items = edges.map(({ node }) => relationItem(node, {
        selectable: true, onOpen: (id) => this.app.open(id), onReview: (relation, decision) => this.review([relation], decision),
      }));
      const bulk = h("div", { class: "actions" },
        h("button", { onclick: () => this.reviewPicked(edges, "ACCEPT") }, "Accept selected"),
        h("button", { onclick: () => this.reviewPicked(edges, "REJECT") }, "Reject selected"));
      clear(this.list, h("h3", {}, `Proposed relations (${data.relationCandidates.totalCount}), best first`),
        edges.length ? bulk : null, h("ol", { class: "relations" }, items));
    } catch (error) {
      clear(this.list, h("p", { class: "error" }, error.message));
    }
  }

  reviewPicked(edges, decision) {
    const picked = new Set([...this.list.querySelectorAll("input.pick:checked")].map((input) => input.value));
    this.review(edges.map(({ node }) => node).filter((relation) => picked.has(relation.id)), decision);
  }

  async review(relations, decision) {
    const updated = [];
    for (const relation of relations) {
      try {
        updated.push(await reviewRelation(relation, decision));
      } catch (error) {
        this.app.status(error.message, true);
      }
    }
    this.app.reviewed(updated);
    if (this.jobId.value) this.candidates(this.jobId.value.trim());
  }
}

export class MetricsPanel {
  constructor(app) {
    this.app = app;
    this.view = document.getElementById("metrics");
  }

  async load() {
    clear(this.view, h("p", {}, "Loading…"));
    try {
      const { graphMetrics: m } = await gqlAlgorithm(METRICS, { ns: this.app.namespace });
      const { pageRank } = await gqlAlgorithm(TOP_RANKED, { ns: this.app.namespace });
      const most = Math.max(1, ...m.degree.buckets.map((bucket) => bucket.entities));
      clear(this.view,
        h("h2", {}, `Metrics of ${this.app.namespace}`),
        h("table", { class: "props" }, h("tbody", {}, [
          ["entities", m.entities], ["relations", m.relations], ["retired", m.retiredRelations],
          ...m.relationsByStatus.map((s) => [s.status.toLowerCase(), s.count]),
          ["connected", `${(m.connectivityRatio * 100).toFixed(1)}%`], ["isolated", m.isolated],
          ["components", m.components], ["largest component", m.largestComponent],
          ["embedding coverage", `${(m.embeddingCoverage * 100).toFixed(1)}%`],
          ["degree max / mean", `${m.degree.max} / ${m.degree.mean.toFixed(2)}`], ["engine", m.engine],
        ].map(([name, value]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, String(value)))))),
        h("h3", {}, "Degree histogram"),
        h("ul", { class: "histogram" }, m.degree.buckets.map((bucket) =>
          h("li", {}, h("span", { class: "range" }, bucket.high == null ? `${bucket.low}+` : bucket.low === bucket.high ? `${bucket.low}` : `${bucket.low}–${bucket.high}`),
            h("span", { class: "bar", style: `width:${(100 * bucket.entities) / most}%` }), h("span", { class: "count" }, String(bucket.entities))))),
        h("h3", {}, "Top PageRank"),
        h("ol", { class: "list" }, pageRank.entities.map((entry) =>
          h("li", {}, h("button", { class: "item", onclick: () => this.app.open(entry.id) },
            `${entry.node ? labelOf(entry.node) : entry.id} (${entry.score.toFixed(4)})`)))),
      );
    } catch (error) {
      clear(this.view, h("p", { class: "error" }, error.message));
    }
  }
}

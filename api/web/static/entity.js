// The entity page's graph: the neighbourhood the server rendered into #graph-data, drawn by
// cytoscape (vendored). Selecting a node opens that entity; selecting a link shows its quote.
(function () {
  "use strict";
  const holder = document.getElementById("graph");
  const dataTag = document.getElementById("graph-data");
  if (!holder || !dataTag || typeof cytoscape !== "function") return;
  const data = JSON.parse(dataTag.textContent);
  const detail = document.getElementById("edge-detail");
  const cy = cytoscape({
    container: holder,
    maxZoom: 1.5,
    minZoom: 0.2,
    elements: [...data.nodes, ...data.edges],
    // Rings by hops from the centre: the same picture on every load, and the distance
    // from the entity reads as distance on the page.
    layout: {
      name: "concentric", animate: false, padding: 30, minNodeSpacing: 45,
      concentric: (n) => 10 - n.data("depth"), levelWidth: () => 1,
    },
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)",
        label: "data(label)", color: "#0b0c0c", "font-size": 11, "text-wrap": "wrap",
        "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 4, width: 22, height: 22 } },
      { selector: "node.centre", style: {
        width: 34, height: 34, "border-width": 4, "border-color": "#ffbf47" } },
      { selector: "edge", style: {
        width: 2, "line-color": "#6f777b", "target-arrow-color": "#6f777b",
        "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)",
        "font-size": 9, color: "#333", "text-rotation": "autorotate", "text-background-color": "#fff",
        "text-background-opacity": 1 } },
      { selector: "edge:selected", style: { width: 4, "line-color": "#1d4f91" } },
    ],
  });
  cy.on("tap", "node", (event) => {
    const id = event.target.id();
    if (id !== data.centre) window.location.assign(`/entity/${encodeURIComponent(id)}`);
  });
  cy.on("tap", "edge", (event) => showEdge(event.target.data()));

  function showEdge(edge) {
    const source = cy.getElementById(edge.source).data("label");
    const target = cy.getElementById(edge.target).data("label");
    detail.replaceChildren();
    const heading = document.createElement("p");
    heading.textContent = `${source} ${edge.label} ${target}${edge.asOf ? ` (as of ${edge.asOf})` : ""}`;
    const quote = document.createElement("blockquote");
    quote.textContent = edge.quote || "(no quote recorded)";
    detail.append(heading, quote);
    if (edge.href) {
      const link = document.createElement("a");
      link.href = edge.href;
      link.textContent = `Open ${edge.title || edge.doc}`;
      link.dataset.testid = "edge-source";
      detail.append(link);
    }
    detail.hidden = false;
  }
  // Keyboard: the page exposes the graph for tests and assistive tools as a list of links too.
  window.kgGraph = { cy, showEdge };
})();

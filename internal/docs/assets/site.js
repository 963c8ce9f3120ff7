// elt docs: renders the data in #data with DOM calls only; every text goes
// in as textContent, never as markup.
(function () {
  "use strict";
  var site = JSON.parse(document.getElementById("data").textContent);
  ["sources", "models", "runs"].forEach(function (k) { site[k] = site[k] || []; });
  site.runs.forEach(function (r) { r.reconciliation = r.reconciliation || []; });
  site.models.forEach(function (m) {
    ["deps", "columns", "uses", "checks", "tests", "tags"].forEach(function (k) { m[k] = m[k] || []; });
  });
  site.sources.forEach(function (s) { s.fields = s.fields || []; s.reasons = s.reasons || []; });
  var SVG = "http://www.w3.org/2000/svg";
  var main = document.getElementById("main");
  var list = document.getElementById("list");
  var models = {}, sources = {}, down = {};
  site.models.forEach(function (m) { models[m.id] = m; });
  site.sources.forEach(function (s) { sources[s.table] = s; });
  site.models.forEach(function (m) {
    (m.deps || []).forEach(function (d) { (down[d] = down[d] || []).push(m.id); });
  });

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]); }
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function link(kind, id, text) { return el("a", { href: "#" + kind + "/" + encodeURIComponent(id), "data-id": id, "data-kind": kind }, [text || id]); }
  function nodeLink(id) { return models[id] ? link("model", id) : sources[id] ? link("source", sources[id].name, id) : el("span", {}, [id]); }
  function table(head, rows) {
    return el("table", {}, [el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", {}, [h]); }))]),
      el("tbody", {}, rows.map(function (r) { return el("tr", {}, r.map(function (c) { return el("td", {}, [c]); })); }))]);
  }
  function fmt(n) { return n === null || n === undefined ? "" : Number(n).toLocaleString("en"); }
  function status(s) { return el("span", { "class": "status " + String(s).replace(/[^a-z]/g, "") }, [s]); }

  // The side list: every source and model, filtered by the search box.
  var entries = [];
  function addEntry(kind, id, text, hay) {
    var a = link(kind, id, text);
    var li = el("li", {}, [a]);
    entries.push({ li: li, hay: hay.toLowerCase() });
    return li;
  }
  var ul = el("ul");
  ul.appendChild(el("li", { "class": "head" }, [el("a", { href: "#graph" }, ["Lineage graph"]), " · ", el("a", { href: "#runs" }, ["Runs"])]));
  ul.appendChild(el("li", { "class": "head" }, ["Sources"]));
  site.sources.forEach(function (s) {
    ul.appendChild(addEntry("source", s.name, s.name, s.name + " " + s.description + " " + s.fields.map(function (f) { return f.name; }).join(" ")));
  });
  ul.appendChild(el("li", { "class": "head" }, ["Models"]));
  site.models.forEach(function (m) {
    ul.appendChild(addEntry("model", m.id, m.id, m.id + " " + m.description + " " + (m.tags || []).join(" ") + " " + m.columns.map(function (c) { return c.name + " " + c.description; }).join(" ")));
  });
  list.appendChild(ul);
  document.getElementById("search").addEventListener("input", function (ev) {
    var q = ev.target.value.toLowerCase().trim();
    entries.forEach(function (e) { e.li.hidden = q !== "" && e.hay.indexOf(q) < 0; });
  });

  function overview() {
    main.appendChild(el("h1", {}, [site.project || "elt project"]));
    main.appendChild(el("p", {}, [site.models.length + " models, " + site.sources.length + " sources. Generated " + site.generated + (site.warehouse ? "" : " without a warehouse: run elt build for row counts, profiles and check results.")]));
    var last = site.runs.filter(function (r) { return r.reconciliation.length; })[0];
    if (last) {
      main.appendChild(el("h2", {}, ["Every record accounted for (run " + last.id + ")"]));
      main.appendChild(table(["source", "read", "silver", "superseded", "quarantined", ""], last.reconciliation.map(function (r) {
        return [r.source, fmt(r.read), fmt(r.silver), fmt(r.superseded), fmt(r.quarantined), status(r.ok ? "balanced" : "unbalanced")];
      })));
    }
    runs(5);
  }

  function runs(n) {
    main.appendChild(el("h2", {}, ["Last runs"]));
    if (!site.runs || !site.runs.length) { main.appendChild(el("p", {}, ["No runs recorded."])); return; }
    main.appendChild(table(["run", "command", "status", "started", "seconds", "models", "checks", "failed", "reconciliation", "error"], site.runs.slice(0, n).map(function (r) {
      var rec = r.reconciliation.map(function (b) {
        return b.source + ": " + fmt(b.read) + " read = " + fmt(b.silver) + " silver + " + fmt(b.superseded) + " superseded + " + fmt(b.quarantined) + " quarantined" + (b.ok ? "" : " (UNBALANCED)");
      }).join("; ");
      return [String(r.id), r.command, status(r.status), r.started, r.seconds.toFixed(2), fmt(r.models), fmt(r.checks), fmt(r.failed), rec, r.error];
    })));
  }

  function source(name) {
    var s = site.sources.filter(function (x) { return x.name === name; })[0];
    if (!s) return missing(name);
    main.appendChild(el("h1", {}, ["source " + s.name]));
    main.appendChild(el("p", { "class": "desc" }, [s.description]));
    main.appendChild(el("p", {}, [s.format + " files under bronze/" + s.name + ", loaded into " + s.table + ": " + fmt(s.files) + " files, " + fmt(s.records) + " records, " + fmt(s.quarantined) + " quarantined."]));
    main.appendChild(el("h2", {}, ["Fields"]));
    main.appendChild(table(["field", "type", "required", "rules"], s.fields.map(function (f) { return [f.name, f.type, f.required ? "yes" : "", f.rules]; })));
    if (s.reasons && s.reasons.length) {
      main.appendChild(el("h2", {}, ["Quarantine by reason"]));
      main.appendChild(table(["reason", "records"], s.reasons.map(function (r) { return [r.reason, fmt(r.count)]; })));
    }
    var users = down[s.table] || [];
    main.appendChild(el("h2", {}, ["Read by"]));
    main.appendChild(el("p", {}, users.length ? users.map(function (u) { return el("span", { "class": "chip" }, [nodeLink(u)]); }) : ["no model"]));
  }

  function model(id) {
    var m = models[id];
    if (!m) return missing(id);
    main.appendChild(el("h1", {}, [m.id]));
    main.appendChild(el("p", { "class": "desc" }, [m.description]));
    main.appendChild(el("p", {}, [m.materialized + " · " + m.path + (m.rows !== null ? " · " + fmt(m.rows) + " rows" : "") + ((m.tags || []).length ? " · tags: " + m.tags.join(", ") : "")]));
    main.appendChild(el("p", {}, ["Reads: "].concat((m.deps || []).map(function (d) { return el("span", { "class": "chip" }, [nodeLink(d)]); }))
      .concat([" · Read by: "]).concat((down[m.id] || []).map(function (d) { return el("span", { "class": "chip" }, [nodeLink(d)]); }))));
    main.appendChild(el("h2", {}, ["Columns"]));
    main.appendChild(table(["column", "type", "description", "nulls", "distinct", "values", "from"], m.columns.map(function (c) {
      return [c.name, c.type, c.description, c.null_pct === null ? "" : c.null_pct.toFixed(1) + "%", fmt(c.distinct), (c.values || []).join(", "),
        (c.from || []).map(function (f) { return f.table + "." + f.column + " (" + f.via + ")"; }).join(", ")];
    })));
    main.appendChild(el("h2", {}, ["Column lineage"]));
    if (m.lineage_error) main.appendChild(el("p", { "class": "warn" }, ["Lineage could not be read: " + m.lineage_error]));
    main.appendChild(columnGraph(m));
    if (m.uses && m.uses.length) {
      main.appendChild(el("h3", {}, ["Columns used to join, filter or group"]));
      main.appendChild(table(["column", "used in"], m.uses.map(function (u) { return [u.table + "." + u.column, u.roles.join(", ").replace("group_by", "group by")]; })));
    }
    main.appendChild(el("h2", {}, ["Checks"]));
    main.appendChild(m.checks && m.checks.length ? table(["check", "severity", "last result", "detail"], m.checks.map(function (c) { return [c.name, c.severity, status(c.status), c.detail]; })) : el("p", {}, ["none declared"]));
    main.appendChild(el("h2", {}, ["Unit tests"]));
    main.appendChild(m.tests && m.tests.length ? el("ul", {}, m.tests.map(function (t) { return el("li", {}, [t]); })) : el("p", {}, ["none"]));
    main.appendChild(el("h2", {}, ["SQL as written"]));
    main.appendChild(el("pre", {}, [m.sql]));
    main.appendChild(el("h2", {}, ["SQL as compiled"]));
    main.appendChild(el("pre", {}, [m.compiled]));
  }

  // columnGraph draws the model's columns on the right and the input columns
  // they come from on the left, one edge each, styled by how.
  function columnGraph(m) {
    var inputs = [], index = {};
    m.columns.forEach(function (c) {
      (c.from || []).forEach(function (f) {
        var k = f.table + "." + f.column;
        if (!(k in index)) { index[k] = inputs.length; inputs.push(k); }
      });
    });
    var row = 22, w = 760, h = Math.max(inputs.length, m.columns.length) * row + 20;
    var g = svg("svg", { width: w, height: h, "class": "lineage", viewBox: "0 0 " + w + " " + h });
    inputs.forEach(function (k, i) { g.appendChild(svg("text", { x: 4, y: 20 + i * row, "class": "in" }, k)); });
    m.columns.forEach(function (c, j) {
      g.appendChild(svg("text", { x: w - 220, y: 20 + j * row, "class": "out" }, c.name));
      (c.from || []).forEach(function (f) {
        var i = index[f.table + "." + f.column];
        var y1 = 16 + i * row, y2 = 16 + j * row;
        g.appendChild(svg("path", { d: "M320," + y1 + " C430," + y1 + " 430," + y2 + " " + (w - 226) + "," + y2,
          "class": "edge " + f.via, "data-edge": f.table + "." + f.column + "->" + c.name }));
      });
    });
    return g;
  }

  // graph draws every model and source table in layers by depth, with an
  // edge for every table a model reads.
  function graph() {
    main.appendChild(el("h1", {}, ["Lineage graph"]));
    main.appendChild(el("p", {}, ["Every model and source table, left to right in the order they are built. Click a box to open it."]));
    var depth = {}, ids = site.sources.map(function (s) { return s.table; }).concat(site.models.map(function (m) { return m.id; }));
    function d(id, seen) {
      if (depth[id] !== undefined) return depth[id];
      var m = models[id], best = 0;
      if (m && !seen[id]) { seen[id] = true; (m.deps || []).forEach(function (x) { best = Math.max(best, d(x, seen) + 1); }); }
      return (depth[id] = best);
    }
    var layers = [];
    ids.forEach(function (id) { var k = d(id, {}); (layers[k] = layers[k] || []).push(id); });
    site.models.forEach(function (m) { (m.deps || []).forEach(function (x) { if (depth[x] === undefined) { depth[x] = 0; (layers[0] = layers[0] || []).push(x); } }); });
    var bw = 210, bh = 22, gx = 90, gy = 8, pos = {}, tall = 0;
    layers.forEach(function (l, i) { l.forEach(function (id, j) { pos[id] = { x: 10 + i * (bw + gx), y: 10 + j * (bh + gy) }; }); tall = Math.max(tall, l.length); });
    var w = 20 + layers.length * (bw + gx), h = 20 + tall * (bh + gy);
    var g = svg("svg", { width: w, height: h, "class": "graph" });
    site.models.forEach(function (m) {
      (m.deps || []).forEach(function (x) {
        var a = pos[x], b = pos[m.id];
        g.appendChild(svg("path", { d: "M" + (a.x + bw) + "," + (a.y + bh / 2) + " C" + (a.x + bw + gx / 2) + "," + (a.y + bh / 2) + " " + (b.x - gx / 2) + "," + (b.y + bh / 2) + " " + b.x + "," + (b.y + bh / 2),
          "class": "edge", "data-from": x, "data-to": m.id }));
      });
    });
    Object.keys(pos).forEach(function (id) {
      var p = pos[id], a = svg("a", { href: models[id] ? "#model/" + encodeURIComponent(id) : sources[id] ? "#source/" + encodeURIComponent(sources[id].name) : "#graph", "data-node": id });
      a.appendChild(svg("rect", { x: p.x, y: p.y, width: bw, height: bh, rx: 4, "class": models[id] ? "model" : "source" }));
      a.appendChild(svg("text", { x: p.x + 6, y: p.y + 15 }, id));
      g.appendChild(a);
    });
    main.appendChild(el("div", { "class": "scroll" }, [g]));
  }

  function missing(id) { main.appendChild(el("p", {}, ["Nothing named " + id + " in this project."])); }

  function route() {
    main.textContent = "";
    var h = decodeURIComponent(location.hash.slice(1)), i = h.indexOf("/");
    var kind = i < 0 ? h : h.slice(0, i), id = i < 0 ? "" : h.slice(i + 1);
    if (kind === "model") model(id);
    else if (kind === "source") source(id);
    else if (kind === "graph") graph();
    else if (kind === "runs") runs(site.runs ? site.runs.length : 0);
    else overview();
    entries.forEach(function (e) { e.li.classList.toggle("current", e.li.firstChild.getAttribute("href") === location.hash); });
    main.setAttribute("data-view", kind || "overview");
    window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", route);
  route();
})();

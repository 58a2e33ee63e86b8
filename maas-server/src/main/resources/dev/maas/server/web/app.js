// The maas marketplace page: plain DOM, no framework, no build step. Every piece of text that comes
// from the server is put into the page with textContent or as an attribute value, never as HTML.
"use strict";

(function () {
  const TOKEN_KEY = "maas.token";
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  // ---- small DOM helpers ----

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function say(message, isError) {
    const s = $("status");
    s.textContent = message || "";
    s.classList.toggle("error", !!isError);
  }

  function fmt(x) {
    if (typeof x !== "number") return String(x);
    if (Number.isInteger(x)) return String(x);
    return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
  }

  // ---- the API, with the bearer token when signed in ----

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    const t = token();
    if (t) opts.headers["Authorization"] = "Bearer " + t;
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const res = await fetch(path, opts);
    let body = null;
    const text = await res.text();
    if (text) {
      try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
    }
    if (!res.ok) {
      const err = new Error((body && body.error) || ("HTTP " + res.status));
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // ---- sign in and out ----

  async function showIdentity() {
    let me = { id: "anonymous", anonymous: true };
    if (token()) {
      try {
        me = await api("/api/v1/me");
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        say("Sign-in failed: " + e.message, true);
      }
    }
    $("sign-in-form").hidden = !me.anonymous;
    $("signed-in").hidden = !!me.anonymous;
    $("whoami").textContent = me.anonymous ? "" : me.id;
    return me;
  }

  async function signIn(ev) {
    ev.preventDefault();
    const value = $("token").value.trim();
    if (!value) {
      say("Paste a token to sign in.", true);
      $("token").focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    const me = await showIdentity();
    if (!me.anonymous) {
      say("Signed in as " + me.id + ".");
      $("sign-out").focus();
      route();
    }
  }

  async function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    await showIdentity();
    say("Signed out.");
    $("token").focus();
    route();
  }

  // ---- Markdown, rendered safely: a small subset, built as DOM nodes ----

  function safeHref(url) {
    const u = url.trim();
    return /^(https?:|mailto:|#|\/(?!\/))/i.test(u) ? u : null;
  }

  // Inline: `code`, **strong**, *em* or _em_, [text](url). Everything else is text.
  function inline(text) {
    const out = document.createDocumentFragment();
    const re = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.append(text.slice(last, m.index));
      const t = m[0];
      if (m[1]) out.append(el("code", null, t.slice(1, -1)));
      else if (m[2]) out.append(el("strong", null, inline(t.slice(2, -2))));
      else if (m[3]) out.append(el("em", null, inline(t.slice(1, -1))));
      else {
        const close = t.indexOf("](");
        const label = t.slice(1, close);
        const href = safeHref(t.slice(close + 2, -1));
        out.append(href ? el("a", { href: href, rel: "noopener noreferrer" }, label) : label);
      }
      last = m.index + t.length;
    }
    if (last < text.length) out.append(text.slice(last));
    return out;
  }

  function markdown(source) {
    const root = document.createDocumentFragment();
    const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (/^\s*$/.test(line)) { i++; continue; }
      if (/^```/.test(line)) {
        const code = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;
        root.append(el("pre", null, el("code", null, code.join("\n"))));
        continue;
      }
      const h = /^(#{1,6})\s+(.*)$/.exec(line);
      if (h) {
        // Headings inside a card sit below the card's own heading level.
        const level = Math.min(6, h[1].length + 3);
        root.append(el("h" + level, null, inline(h[2])));
        i++;
        continue;
      }
      if (/^\s*([-*+]|\d+[.)])\s+/.test(line)) {
        const ordered = /^\s*\d+[.)]\s+/.test(line);
        const list = el(ordered ? "ol" : "ul");
        while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i])) {
          list.append(el("li", null, inline(lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, ""))));
          i++;
        }
        root.append(list);
        continue;
      }
      if (/^>\s?/.test(line)) {
        const quote = [];
        while (i < lines.length && /^>\s?/.test(lines[i])) quote.push(lines[i++].replace(/^>\s?/, ""));
        root.append(el("blockquote", null, el("p", null, inline(quote.join(" ")))));
        continue;
      }
      const para = [];
      while (i < lines.length && !/^\s*$/.test(lines[i]) && !/^(```|#{1,6}\s|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i])) {
        para.push(lines[i++].trim());
      }
      root.append(el("p", null, inline(para.join(" "))));
    }
    return root;
  }

  // ---- charts: inline SVG ----

  // A line chart of one metric across versions; points are [{label, value}].
  function lineChart(title, points, cls) {
    const W = 320, H = 170, L = 46, R = 12, T = 12, B = 30;
    const values = points.map((p) => p.value);
    let lo = Math.min(...values), hi = Math.max(...values);
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
    const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
    const summary = title + ": " + points.map((p) => p.label + " " + fmt(p.value)).join(", ");
    const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": summary, class: cls });
    s.append(svg("title", {}, summary));
    s.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
    s.append(svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
    s.append(svg("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, fmt(hi)));
    s.append(svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, fmt(lo)));
    s.append(svg("polyline", { class: "line",
      points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" ") }));
    points.forEach((p, i) => {
      const dot = svg("circle", { class: "dot", cx: x(i), cy: y(p.value), r: 3.5 });
      dot.append(svg("title", {}, p.label + ": " + fmt(p.value)));
      s.append(dot);
      s.append(svg("text", { x: x(i), y: H - B + 14, "text-anchor": "middle" }, p.label));
    });
    return el("figure", { class: "chart" }, el("figcaption", null, title), s);
  }

  // A bar chart of calls per day; days are [{day, count}].
  function barChart(title, days) {
    const W = Math.max(320, Math.min(900, 40 + days.length * 22)), H = 170, L = 46, R = 12, T = 12, B = 30;
    const hi = Math.max(1, ...days.map((d) => d.count));
    const slot = (W - L - R) / days.length;
    const summary = title + ": " + days.map((d) => d.day + " " + d.count).join(", ");
    const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": summary, class: "usage-chart" });
    s.append(svg("title", {}, summary));
    s.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
    s.append(svg("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, hi));
    s.append(svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, 0));
    days.forEach((d, i) => {
      const h = ((H - T - B) * d.count) / hi;
      const w = Math.max(1, Math.min(36, slot * 0.7));
      const bar = svg("rect", { class: "bar", x: L + i * slot + (slot - w) / 2, y: H - B - h,
        width: w, height: h });
      bar.append(svg("title", {}, d.day + ": " + d.count + " calls"));
      s.append(bar);
    });
    if (days.length === 1) {
      s.append(svg("text", { x: L + slot / 2, y: H - B + 14, "text-anchor": "middle" }, days[0].day));
    } else if (days.length > 1) {
      s.append(svg("text", { x: L, y: H - B + 14 }, days[0].day));
      s.append(svg("text", { x: W - R, y: H - B + 14, "text-anchor": "end" }, days[days.length - 1].day));
    }
    return el("figure", { class: "chart" }, el("figcaption", null, title), s);
  }

  // ---- search ----

  let nextPage = null;

  function searchParams() {
    const p = new URLSearchParams();
    const put = (k, id) => { const v = $(id).value.trim(); if (v) p.set(k, v); };
    put("q", "q");
    put("task", "f-task");
    put("owner", "f-owner");
    put("licence", "f-licence");
    put("sort", "f-sort");
    return p;
  }

  function keyMetrics(metrics) {
    return Object.entries(metrics || {}).slice(0, 4);
  }

  function resultItem(m) {
    const link = el("a", { href: "#/models/" + encodeURIComponent(m.name), class: "model-link" }, m.name);
    const badges = el("ul", { class: "badges", "aria-label": "facts" },
      el("li", { class: "badge" }, "task: " + m.task),
      m.owner ? el("li", { class: "badge" }, "owner: " + m.owner) : null,
      el("li", { class: "badge" }, "licence: " + (m.license || "not stated")),
      el("li", { class: "badge" }, "version " + m.version),
      el("li", { class: "badge usage" }, m.usage + " calls"));
    const metrics = keyMetrics(m.metrics);
    return el("li", { class: "result" },
      el("h3", null, link),
      badges,
      m.description ? el("p", null, summary(m.description)) : null,
      metrics.length ? el("p", { class: "muted metrics" },
        metrics.map(([k, v]) => k + " " + fmt(v)).join(" · ")) : null);
  }

  // The first line of prose of a Markdown description, markers removed: a result's summary.
  function summary(md) {
    const line = String(md).split("\n").map((l) => l.trim())
      .find((l) => l && !/^(#|```|>|[-*+]\s|\d+[.)]\s)/.test(l)) || "";
    return line.replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/[*_`]/g, "").slice(0, 200);
  }

  function remember(datalistId, values) {
    const list = $(datalistId);
    const have = new Set(Array.from(list.options).map((o) => o.value));
    for (const v of values) if (v && !have.has(v)) { list.append(el("option", { value: v })); have.add(v); }
  }

  async function search(append) {
    const p = searchParams();
    if (append && nextPage) p.set("page", nextPage);
    try {
      const page = await api("/api/v1/models?" + p.toString());
      const list = $("results");
      if (!append) clear(list);
      for (const m of page.items) list.append(resultItem(m));
      remember("tasks", page.items.map((m) => m.task));
      remember("owners", page.items.map((m) => m.owner));
      remember("licences", page.items.map((m) => m.license));
      nextPage = page.nextPage;
      $("more").hidden = !nextPage;
      $("result-count").textContent = page.total === 1 ? "1 model found" : page.total + " models found";
      say("");
    } catch (e) {
      say("Search failed: " + e.message, true);
    }
  }

  // ---- a model ----

  function field(dl, name, value) {
    if (value === null || value === undefined || value === "" ||
        (Array.isArray(value) && value.length === 0)) return;
    dl.append(el("dt", null, name), el("dd", null, Array.isArray(value) ? value.join(", ") : value));
  }

  function oipType(t) {
    const map = { float32: "FP32", float64: "FP64", float16: "FP16", bfloat16: "BF16", int8: "INT8",
      int16: "INT16", int32: "INT32", int64: "INT64", uint8: "UINT8", uint16: "UINT16", uint32: "UINT32",
      uint64: "UINT64", boolean: "BOOL", string: "BYTES" };
    return map[String(t).toLowerCase()] || "FP32";
  }

  function inferTemplate(card) {
    if (card.inputExample) {
      try {
        const ex = JSON.parse(card.inputExample);
        if (ex && ex.inputs) return JSON.stringify(ex, null, 2);
      } catch (e) { /* not an inference request: build one */ }
    }
    const inputs = (card.inputs || []).map((s) => {
      const shape = (s.shape || [1]).map((d) => (d < 0 ? 1 : d));
      const n = shape.reduce((a, b) => a * b, 1);
      const type = oipType(s.dataType);
      const zero = type === "BOOL" ? false : type === "BYTES" ? "" : 0;
      return { name: s.name, shape: shape, datatype: type, data: new Array(Math.min(n, 4096)).fill(zero) };
    });
    return JSON.stringify({ inputs: inputs }, null, 2);
  }

  let current = null;

  async function showModel(name) {
    $("search-view").hidden = true;
    $("model-view").hidden = false;
    clear($("try-output"));
    const enc = encodeURIComponent(name);
    let m;
    try {
      m = await api("/api/v1/models/" + enc);
    } catch (e) {
      $("model-title").textContent = name;
      $("model-facts").textContent = "";
      ["card-description", "card-fields", "metric-charts", "lineage", "usage-chart"].forEach((id) => clear($(id)));
      clear($("versions").tBodies[0]);
      $("try-recommend").hidden = true;
      $("try-infer").hidden = true;
      say(e.message, true);
      return;
    }
    current = m;
    const card = m.latest || {};
    $("model-title").textContent = m.name;
    $("model-facts").textContent = [card.task, card.owner && "owner " + card.owner,
      "licence " + (card.license || "not stated"), card.visibility, m.usage + " calls",
      "your permission: " + m.permission].filter(Boolean).join(" · ");
    document.title = m.name + " · maas marketplace";

    const desc = clear($("card-description"));
    desc.append(card.description ? markdown(card.description) : el("p", { class: "muted" }, "No description."));
    const dl = clear($("card-fields"));
    field(dl, "Engine", [card.engine, card.format, card.engineVersion].filter(Boolean).join(" "));
    field(dl, "Intended use", card.intendedUse);
    field(dl, "Limitations", card.limitations);
    field(dl, "Data sets", card.datasets);
    field(dl, "Tags", card.tags);
    field(dl, "Derived from", card.derivedFrom);
    field(dl, "Inputs", (card.inputs || []).map((s) => `${s.name} ${s.dataType} [${s.shape.join(", ")}]`));
    field(dl, "Outputs", (card.outputs || []).map((s) => `${s.name} ${s.dataType} [${s.shape.join(", ")}]`));

    // Versions and aliases.
    const aliasesOf = {};
    for (const [a, v] of Object.entries(m.aliases)) (aliasesOf[v] = aliasesOf[v] || []).push(a);
    const tbody = clear($("versions").tBodies[0]);
    for (const v of m.versions.slice().reverse()) {
      tbody.append(el("tr", null,
        el("td", null, v.version),
        el("td", null, v.createdAt ? v.createdAt.slice(0, 10) : ""),
        el("td", null, (aliasesOf[v.version] || []).join(", ")),
        el("td", null, Object.entries(v.metrics || {}).map(([k, x]) => k + " " + fmt(x)).join(", ")),
        el("td", null, [v.deprecated && "deprecated: " + v.deprecated, v.problem].filter(Boolean).join("; "))));
    }
    const splits = Object.entries(m.traffic || {}).filter(([, p]) => Object.keys(p.weights).length);
    $("traffic").textContent = splits.map(([a, p]) => "Traffic of " + a + ": " +
      Object.entries(p.weights).map(([v, w]) => "v" + v + " " + Math.round(w * 100) + "%").join(", ")).join(". ");

    // Metric charts: one per metric, across the versions that have it.
    const charts = clear($("metric-charts"));
    const names = new Set();
    m.versions.forEach((v) => Object.keys(v.metrics || {}).forEach((k) => names.add(k)));
    for (const metric of Array.from(names).sort()) {
      const pts = m.versions.filter((v) => v.metrics && typeof v.metrics[metric] === "number")
        .map((v) => ({ label: "v" + v.version, value: v.metrics[metric] }));
      charts.append(lineChart(metric, pts, "metric-chart"));
    }
    if (!names.size) charts.append(el("p", { class: "muted" }, "No metrics recorded."));

    // The try-it panel: recommenders get a user box, other models an inference request.
    const isRecommender = card.task === "recommendation";
    $("try-recommend").hidden = !isRecommender;
    $("try-infer").hidden = isRecommender;
    if (!isRecommender) $("try-json").value = inferTemplate(card);

    loadLineage(enc);
    loadUsage(enc);
    say("");
  }

  async function loadLineage(enc) {
    const box = clear($("lineage"));
    try {
      const l = await api("/api/v1/models/" + enc + "/lineage");
      const link = (ref) => {
        const name = String(ref).split(/[:@]/)[0];
        return el("a", { href: "#/models/" + encodeURIComponent(name) }, ref);
      };
      const part = (label, items) => el("p", null, label + ": ",
        ...(items.length ? items.flatMap((r, i) => (i ? [", ", link(r)] : [link(r)])) : ["none"]));
      box.append(part("Derived from", l.ancestors), part("Models derived from it", l.descendants));
    } catch (e) {
      box.append(el("p", { class: "muted" }, "Lineage unavailable: " + e.message));
    }
  }

  async function loadUsage(enc) {
    const box = clear($("usage-chart"));
    try {
      const u = await api("/api/v1/models/" + enc + "/usage");
      box.append(u.byDay.length ? barChart("Calls per day (" + u.total + " in all)", u.byDay)
        : el("p", { class: "muted" }, "No calls recorded yet."));
    } catch (e) {
      box.append(el("p", { class: "muted" }, "Usage unavailable: " + e.message));
    }
  }

  async function tryRecommend(ev) {
    ev.preventDefault();
    const out = clear($("try-output"));
    const user = $("try-user").value.trim();
    const k = $("try-k").value.trim() || "10";
    try {
      const r = await api("/api/v1/models/" + encodeURIComponent(current.name) + "/recommend?" +
        new URLSearchParams({ user: user, k: k }).toString());
      out.append(el("p", null, "From " + r.model + (r.source === "POPULARITY"
        ? " (this user is new to the model: the most popular items)" : "") + ":"));
      const list = el("ol", { class: "recommendations" });
      for (const item of r.items) {
        list.append(el("li", null, el("strong", null, item.title || item.id),
          " ", el("span", { class: "muted" }, (item.genres || []).join(", ") + " · score " + fmt(item.score))));
      }
      out.append(list);
      say("");
    } catch (e) {
      out.append(el("p", { class: "error", role: "alert" }, e.message));
    }
  }

  async function tryInfer(ev) {
    ev.preventDefault();
    const out = clear($("try-output"));
    let request;
    try {
      request = JSON.parse($("try-json").value);
    } catch (e) {
      out.append(el("p", { class: "error", role: "alert" }, "Not valid JSON: " + e.message));
      return;
    }
    try {
      const r = await api("/v2/models/" + encodeURIComponent(current.name) + "/infer", { json: request });
      out.append(el("pre", { class: "infer-output" }, JSON.stringify(r, null, 2)));
    } catch (e) {
      out.append(el("p", { class: "error", role: "alert" }, e.message));
    }
  }

  // ---- routing ----

  function route() {
    const h = location.hash;
    const m = /^#\/models\/([^/]+)$/.exec(h);
    if (m) {
      showModel(decodeURIComponent(m[1]));
    } else {
      $("model-view").hidden = true;
      $("search-view").hidden = false;
      document.title = "maas marketplace";
      search(false);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(false); });
    $("more").addEventListener("click", () => search(true));
    $("try-recommend").addEventListener("submit", tryRecommend);
    $("try-infer").addEventListener("submit", tryInfer);
    window.addEventListener("hashchange", () => { route(); $("main").focus(); });
    await showIdentity();
    route();
  });
})();

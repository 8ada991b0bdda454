// econsec dashboard: every view calls the public API (/api/v1) and keeps its state in the URL.
"use strict";

const API = "/api/v1";
// Plotly's geo maps fetch their shapes from a CDN unless told otherwise: this app serves them.
const PLOT_CONFIG = {
  topojsonURL: "/static/topojson/",
  responsive: true,
  displaylogo: false,
  toImageButtonOptions: { format: "png", scale: 2 },
};

const state = { years: [], products: new Map(), countries: new Map(), ioTables: [], seq: 0 };

// ---------------------------------------------------------------------------------------
// API access

class Problem extends Error {
  constructor(doc) {
    super(doc.detail || doc.title || "request failed");
    this.doc = doc;
  }
}

function apiUrl(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    const items = Array.isArray(v) ? v : [v];
    for (const it of items) if (it !== "") q.append(k, String(it));
  }
  const s = q.toString();
  return API + path + (s ? "?" + s : "");
}

async function getJSON(url, init) {
  const r = await fetch(url, init);
  const body = await r.json();
  if (!r.ok) throw new Problem(body);
  return body;
}

const list = (text) =>
  String(text || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

// ---------------------------------------------------------------------------------------
// formatting: values in thousand USD, shares in per cent, names as people write them

const VALUE_COLUMNS = /(value|imports|exports|replaced|shortfall|stake|premium$|cost$|exposure)/;
const SHARE_COLUMNS = /(share|coverage|^cap$|replaceability|^fence_cost$)/;

function fmt(col, v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.join(" ");
  if (typeof v !== "number") return String(v);
  if (col === "year" || col.endsWith("_year") || col === "rank" || col.startsWith("n_") || col === "world_rank") return String(v);
  if (col.endsWith("_pct")) return v.toFixed(2) + "%";
  if (SHARE_COLUMNS.test(col)) return (100 * v).toFixed(1) + "%";
  if (VALUE_COLUMNS.test(col)) return v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return Math.abs(v) < 10 ? v.toPrecision(3) : v.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

function money(k) {
  // k: thousand USD
  if (k >= 1e6) return "$" + (k / 1e6).toFixed(1) + " bn";
  if (k >= 1e3) return "$" + (k / 1e3).toFixed(1) + " m";
  return "$" + k.toFixed(0) + " k";
}

const plural = (n, word) => `${n.toLocaleString("en-US")} ${n === 1 ? word : word + "s"}`;
const countryName = (iso3) => state.countries.get(iso3) || iso3;
const productName = (code) => state.products.get(code) || "";
const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---------------------------------------------------------------------------------------
// rendering

function table(id, title, rows, columns, opts = {}) {
  const box = el("div", { class: "table", "data-testid": id });
  const tools = el("span", { class: "tools" });
  // The API's CSV where the table is one verb's rows; else the rows shown, written here.
  const href = opts.csv || URL.createObjectURL(new Blob([csvOf(rows, columns)], { type: "text/csv" }));
  tools.append(el("a", { href, download: id + ".csv" }, "CSV"));
  box.append(el("h2", {}, title, tools));
  if (opts.caption) box.append(el("div", { class: "caption" }, opts.caption));
  const t = el("table");
  const head = el("tr");
  for (const c of columns) head.append(el("th", { class: opts.numeric?.(c) ? "num" : "" }, c.replaceAll("_", " ")));
  t.append(el("thead", {}, head));
  const body = el("tbody");
  for (const r of rows) {
    const tr = el("tr", { class: opts.flag && opts.flag(r) ? "flag" : "" });
    for (const c of columns) {
      const v = c === "name" ? productName(r.product) : r[c];
      const num = typeof v === "number";
      const td = el("td", { class: num ? "num" : c === "name" ? "name" : "", "data-col": c }, fmt(c, v));
      if (num) td.dataset.value = String(v);
      tr.append(td);
    }
    if (opts.onclick) {
      tr.style.cursor = "pointer";
      tr.addEventListener("click", () => opts.onclick(r));
    }
    body.append(tr);
  }
  t.append(body);
  box.append(el("div", { class: "scroll" }, t));
  document.getElementById("tables").append(box);
  return box;
}

function csvOf(rows, columns) {
  const cols = columns.filter((c) => c !== "name");
  const esc = (v) => {
    const t = v === null || v === undefined ? "" : Array.isArray(v) ? v.join(" ") : String(v);
    return /[",\n]/.test(t) ? '"' + t.replaceAll('"', '""') + '"' : t;
  };
  return [cols.join(","), ...rows.map((r) => cols.map((c) => esc(r[c])).join(","))].join("\n") + "\n";
}

async function charts(...figs) {
  // Lay every box out first: a plot sized before its neighbours arrive would overflow its cell.
  const made = figs.filter(([, fig]) => fig).map(([id, fig]) => [chartBox(id), fig]);
  for (const [plot, fig] of made) await Plotly.newPlot(plot, fig.data, fig.layout, PLOT_CONFIG);
}

function chartBox(id) {
  const plot = el("div", { class: "plot", id: "plot-" + id });
  const name = "econsec-" + id;
  const tools = el(
    "div",
    { class: "tools" },
    el("button", { type: "button", onclick: () => Plotly.downloadImage(plot, { format: "png", filename: name, scale: 2 }) }, "PNG"),
    el("button", { type: "button", onclick: () => Plotly.downloadImage(plot, { format: "svg", filename: name }) }, "SVG"),
  );
  const box = el("div", { class: "chart", "data-testid": "chart-" + id }, tools, plot);
  document.getElementById("charts").append(box);
  return plot;
}

function headline(...lines) {
  const h = document.getElementById("headline");
  for (const l of lines) if (l) h.append(el("p", {}, l));
}

function notes(list) {
  const n = document.getElementById("notes");
  for (const t of list || []) n.append(el("p", {}, "Note: " + t));
}

// ---------------------------------------------------------------------------------------
// views: fields (URL parameters), defaults, and how to run them

const yearField = { name: "year", label: "Year", type: "year" };
const productField = { name: "product", label: "Products (HS codes, comma)", type: "text", placeholder: "850511,811292" };
const basketField = { name: "basket", label: "Basket", type: "basket" };

const VIEWS = {
  dependence: {
    title: "Dependence",
    fields: [
      { name: "country", label: "Country or bloc", type: "country", placeholder: "JPN or EU27" },
      yearField,
      basketField,
      productField,
      { name: "rival", label: "Rival", type: "country", placeholder: "CHN" },
    ],
    defaults: { country: "JPN", rival: "CHN" },
    run: runDependence,
  },
  chokepoints: {
    title: "Chokepoints",
    fields: [yearField, basketField, productField, { name: "focus", label: "Map of product", type: "text", placeholder: "850511" }],
    defaults: {},
    run: runChokepoints,
  },
  leverage: {
    title: "Leverage",
    fields: [
      { name: "a", label: "Side A", type: "country", placeholder: "JPN" },
      { name: "b", label: "Side B", type: "country", placeholder: "CHN" },
      yearField,
      basketField,
      productField,
    ],
    defaults: { a: "JPN", b: "CHN" },
    run: runLeverage,
  },
  yard: {
    title: "Small yard",
    fields: [
      { name: "country", label: "Country or bloc", type: "country" },
      yearField,
      { name: "coverage", label: "Coverage", type: "range", min: 0.5, max: 0.95, step: 0.05, percent: true },
      { name: "rival", label: "Rival (default: each product's top supplier)", type: "country" },
      { name: "method", label: "Method", type: "select", options: ["smallest", "cheapest", "smallest-cheapest"] },
    ],
    defaults: { country: "JPN", coverage: "0.8", method: "smallest" },
    run: runYard,
  },
  scenario: {
    title: "Scenario",
    fields: [
      { name: "kind", label: "Measure", type: "select", options: ["ban", "tariff", "coalition"] },
      { name: "from", label: "Ban: from", type: "country", only: "ban" },
      { name: "to", label: "Ban: to", type: "country", only: "ban" },
      { name: "imposer", label: "Tariff: imposer", type: "country", only: "tariff" },
      { name: "on", label: "Tariff: on goods of", type: "country", only: "tariff" },
      { name: "rate", label: "Tariff: rate (0.5 = 50%)", type: "number", step: 0.05, only: "tariff" },
      { name: "members", label: "Coalition: members (comma)", type: "text", only: "coalition" },
      { name: "target", label: "Coalition: target", type: "country", only: "coalition" },
      { name: "threshold", label: "Coalition: who must join to leave at most", type: "number", step: 0.05, only: "coalition" },
      yearField,
      basketField,
      productField,
      { name: "draws", label: "Monte Carlo draws (0: none)", type: "number", step: 100 },
      { name: "io", label: "Input-output table", type: "io" },
      { name: "model", label: "IO model", type: "select", options: ["ghosh", "leontief", "inoperability"], needs: "io" },
    ],
    defaults: { kind: "ban", from: "CHN", to: "JPN", product: "850511", imposer: "USA", on: "CHN", rate: "0.25", members: "USA,JPN,NLD", target: "CHN", threshold: "0.2", draws: "0" },
    run: runScenario,
  },
  plan: {
    title: "Plan",
    fields: [
      { name: "country", label: "Importer", type: "country" },
      { name: "product", label: "Products (HS codes, comma)", type: "text" },
      { name: "rival", label: "Rival", type: "country" },
      { name: "cap", label: "Cap on the rival's share", type: "range", min: 0, max: 1, step: 0.05, percent: true },
      { name: "strategy", label: "Strategy", type: "select", options: ["diversify", "friend-shore", "near-shore", "china-plus-one", "reshore"] },
      { name: "ban_days", label: "Stockpile for a ban of (days)", type: "number", step: 30 },
      yearField,
    ],
    defaults: { country: "JPN", product: "850511", rival: "CHN", cap: "0.2", strategy: "diversify", ban_days: "90" },
    run: runPlan,
  },
};

function currentView(params) {
  // ?country=JPN&year=2024&rival=CHN with no view: Japan's dependence view.
  const v = params.get("view");
  return VIEWS[v] ? v : "dependence";
}

function readState() {
  const params = new URLSearchParams(location.search);
  const view = currentView(params);
  const s = { ...VIEWS[view].defaults };
  for (const [k, v] of params) if (k !== "view") s[k] = v;
  return { view, s };
}

function writeState(view, s, push) {
  const q = new URLSearchParams({ view });
  for (const f of VIEWS[view].fields) {
    const v = s[f.name];
    if (v !== undefined && v !== null && v !== "" && !(f.only && f.only !== s.kind)) q.set(f.name, v);
  }
  const url = "/?" + q.toString();
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
}

function buildForm(view, s) {
  const form = document.getElementById("form");
  form.replaceChildren();
  for (const f of VIEWS[view].fields) {
    if (f.only && f.only !== (s.kind || "ban")) continue;
    if ((f.type === "io" || f.needs === "io") && !state.ioTables.length) continue; // none served
    let input;
    if (f.type === "select") {
      input = el("select", { name: f.name });
      for (const o of f.options) input.append(el("option", { value: o }, o));
    } else if (f.type === "io") {
      input = el("select", { name: f.name });
      input.append(el("option", { value: "" }, "none"));
      for (const t of state.ioTables) input.append(el("option", { value: t }, t));
    } else if (f.type === "year") {
      input = el("select", { name: f.name });
      input.append(el("option", { value: "" }, "latest"));
      for (const y of [...state.years].reverse()) input.append(el("option", { value: String(y) }, String(y)));
    } else if (f.type === "range") {
      input = el("input", { type: "range", name: f.name, min: f.min, max: f.max, step: f.step });
    } else {
      const attrs = { name: f.name, type: f.type === "number" ? "number" : "text", placeholder: f.placeholder || "" };
      if (f.type === "country") attrs.list = "countries";
      if (f.type === "basket") attrs.list = "baskets";
      if (f.step) attrs.step = f.step;
      input = el("input", attrs);
    }
    input.value = s[f.name] ?? "";
    const label = el("label", {}, f.label, input);
    if (f.type === "range") {
      const out = el("output", {}, "");
      const show = () => (out.textContent = f.percent ? pct(Number(input.value)) : input.value);
      input.addEventListener("input", show);
      show();
      label.append(out);
    }
    input.addEventListener("change", () => {
      const next = { ...readState().s, [f.name]: input.value };
      writeState(view, next, true);
      if (f.name === "kind") buildForm(view, next);
      render();
    });
    form.append(label);
  }
}

async function render() {
  const { view, s } = readState();
  const seq = ++state.seq;
  for (const a of document.querySelectorAll("#views a")) a.classList.toggle("active", a.dataset.view === view);
  document.title = `econsec — ${VIEWS[view].title}`;
  if (!document.getElementById("form").dataset.view || document.getElementById("form").dataset.view !== view) {
    buildForm(view, s);
    document.getElementById("form").dataset.view = view;
  } else {
    for (const f of VIEWS[view].fields) {
      const input = document.querySelector(`#form [name="${f.name}"]`);
      if (input && document.activeElement !== input) input.value = s[f.name] ?? "";
    }
  }
  for (const id of ["headline", "charts", "tables", "notes"]) document.getElementById(id).replaceChildren();
  const problem = document.getElementById("problem");
  problem.hidden = true;
  document.body.dataset.state = "loading";
  document.getElementById("status").textContent = "Computing…";
  try {
    await VIEWS[view].run(s, () => seq === state.seq);
    if (seq !== state.seq) return;
    document.getElementById("status").textContent = "";
    document.body.dataset.state = "ready";
  } catch (e) {
    if (seq !== state.seq) return;
    const doc = e.doc || { detail: String(e) };
    problem.textContent = (doc.parameter ? doc.parameter + ": " : "") + doc.detail;
    problem.hidden = false;
    document.getElementById("status").textContent = "";
    document.body.dataset.state = "error";
  }
}

// ---------------------------------------------------------------------------------------
// the views

function goods(s) {
  return { product: list(s.product), basket: list(s.basket) };
}

async function runDependence(s, live) {
  const q = { importer: list(s.country), year: s.year, rival: s.rival, ...goods(s) };
  const one = list(s.country).length === 1 && /^[A-Za-z]{3}$/.test(list(s.country)[0]);
  const [aut, figs, events] = await Promise.all([
    getJSON(apiUrl("/autonomy", { ...q, limit: 10000 })),
    getJSON(apiUrl("/figures/dependence", q)),
    one ? getJSON(apiUrl("/backtests", { country: list(s.country)[0] })) : null,
  ]);
  if (!live()) return;
  const sm = aut.summary;
  const who = list(s.country).map(countryName).join(", ");
  headline(
    `In ${aut.params.year}, ${who} imported ${money(sm.import_value)} of ${plural(sm.rows, "product")}; ` +
      `${plural(sm.concentrated, "product")} ${sm.concentrated === 1 ? "is" : "are"} concentrated (HHI above 0.4), ` +
      `${pct(sm.concentrated_value_share)} of the value.`,
    s.rival && sm.rival_value !== undefined
      ? `${countryName(s.rival.toUpperCase())} supplies ${pct(sm.rival_value / sm.import_value)} of it.`
      : null,
  );
  const review = apiUrl("/review", { country: s.country, year: s.year, rival: s.rival, product: list(s.product), basket: s.basket, format: "html" });
  document.getElementById("headline").append(
    el("p", { class: "review" }, el("a", { href: review, target: "_blank", "data-testid": "review-link" }, "Open the country review (one offline HTML report)")),
  );
  const rows = [...aut.rows].sort((a, b) => (b.hhi ?? 0) - (a.hhi ?? 0));
  const cols = ["product", "name", "import_value", "n_suppliers", "top_supplier", "top_share", "hhi"];
  if (rows.length && "rival_share" in rows[0]) cols.push("rival_share");
  if (rows.length && "importer" in rows[0] && list(s.country).length > 1) cols.unshift("importer");
  table("dependence-table", "Concentrated dependencies (most concentrated first)", rows, cols, {
    csv: apiUrl("/autonomy", { ...q, format: "csv", limit: 10000 }),
    flag: (r) => r.hhi > 0.4,
    caption: `All ${plural(rows.length, "product")}; shaded: HHI above 0.4. Values in thousand USD. The supplier chart shows the ${Math.min(rows.length, 20)} largest by import value.`,
  });
  await charts(["suppliers", figs.figures.suppliers], ["map", figs.figures.map], ["trend", figs.figures.trend]);
  if (events) await timeline(list(s.country)[0].toUpperCase(), events);
  notes(aut.notes);
}

// The event library's coercion measures the country imposed or was hit by, on a time axis.
async function timeline(iso3, events) {
  const rows = events.rows;
  if (!rows.length) return;
  const who = countryName(iso3);
  const imposed = (r) => r.imposer.split("+").includes(iso3);
  const lane = (r) => (imposed(r) ? `imposed by ${who}` : `hitting ${who}`);
  const fig = {
    data: [
      {
        type: "scatter",
        mode: "markers+text",
        x: rows.map((r) => r.date),
        y: rows.map(lane),
        text: rows.map((r) => `${r.imposer} ${r.date.slice(0, 7)}`),
        // neighbours a few months apart: labels alternate above and below their marker
        textposition: rows.map((_, i) => (i % 2 ? "bottom center" : "top center")),
        hovertext: rows.map((r) => `${r.event}: ${r.title} (${r.kind})<br>${r.imposer} → ${r.target}; ${r.products}`),
        hoverinfo: "text",
        marker: { size: 12, color: rows.map((r) => (imposed(r) ? "#2c7fb8" : "#c0392b")) },
        cliponaxis: false,
      },
    ],
    layout: {
      title: { text: `Coercion events involving ${who} (event library)` },
      xaxis: { type: "date", title: { text: "date the measure took effect" } },
      yaxis: { type: "category", automargin: true },
      margin: { l: 140, r: 40, t: 60, b: 60 },
      height: 300,
      showlegend: false,
    },
  };
  await charts(["events", fig]);
  table("events-table", `Events involving ${who}: open one for its back-test`, rows,
    ["date", "event", "kind", "imposer", "target", "products"], {
      csv: apiUrl("/backtests", { country: iso3, format: "csv" }),
      caption: "Dated measures with their sources (econsec backtest list); click one for the scenario replayed against what happened.",
      onclick: (r) => window.open(apiUrl("/backtests/" + encodeURIComponent(r.event), { format: "html" }), "_blank"),
    });
}

async function runChokepoints(s, live) {
  const q = { year: s.year, ...goods(s) };
  const [ind, figs] = await Promise.all([
    getJSON(apiUrl("/indispensability", { ...q, limit: 10000 })),
    getJSON(apiUrl("/figures/chokepoints", { ...q, focus: s.focus })),
  ]);
  if (!live()) return;
  const lead = ind.rows.filter((r) => r.world_rank === 1).sort((a, b) => b.world_share - a.world_share);
  const one = lead.filter((r) => r.world_share > 0.5);
  headline(
    `In ${ind.params.year}, one exporter supplies more than half of world exports of ${plural(one.length, "product")} ` +
      `out of ${plural(lead.length, "product")}.`,
  );
  table("chokepoints-table", "Who the world depends on: the leading exporter of each product", lead,
    ["product", "name", "exporter", "world_share", "export_value", "world_hhi", "n_dependents", "dependent_value", "replaceability"], {
      csv: apiUrl("/indispensability", { ...q, format: "csv", limit: 10000 }),
      flag: (r) => r.world_share > 0.5,
      caption: "Click a product to map its exporters. Values in thousand USD; CSV: every exporter.",
      onclick: (r) => {
        const next = { ...readState().s, focus: r.product };
        writeState("chokepoints", next, true);
        render();
      },
    });
  await charts(["world", figs.figures.world], ["map", figs.figures.map]);
  const focus = s.focus ? [s.focus] : [...new Set(lead.map((r) => r.product))];
  await mineralsPanel(focus.slice(0, 12), ind.rows, ind.params.year, live);
  notes(ind.notes);
}

// Who mines, who refines, who exports: USGS producers (through the cited HS ↔ USGS map)
// beside BACI's exporters, for the products whose commodity tables the server holds.
async function mineralsPanel(products, exporters, year, live) {
  if (!products.length) return;
  const map = await getJSON(apiUrl("/hs-usgs", { product: products }));
  const links = new Map();
  for (const r of map.rows) if (r.held) links.set(r.hs6 + " " + r.usgs_code, r);
  if (!links.size || !live()) return;
  const codes = [...new Set([...links.values()].map((r) => r.usgs_code))];
  const mcs = await getJSON(apiUrl("/minerals", { commodity: codes, top: 3, limit: 10000 }));
  if (!live()) return;
  const who = (rows) =>
    rows.map((r) => `${r.iso3 || r.country} ${pct(r.share)}`).join(", ") || "–";
  const rows = [];
  for (const link of links.values()) {
    const series = mcs.rows.filter(
      (r) => r.commodity_code === link.usgs_code && (!link.series || r.type.toLowerCase().includes(link.series)),
    );
    const stage = (st) => series.filter((r) => r.stage === st).sort((a, b) => a.rank - b.rank);
    const mine = stage("mine").length ? stage("mine") : stage("production");
    const refined = stage("refined");
    const ex = exporters.filter((r) => r.product === link.hs6 && r.world_rank <= 3).sort((a, b) => a.world_rank - b.world_rank);
    if (!mine.length && !refined.length) continue;
    const lead = mine[0] && mine[0].iso3;
    rows.push({
      product: link.hs6,
      commodity: link.usgs_commodity,
      mines: who(mine),
      refines: who(refined),
      exports: ex.map((r) => `${r.exporter} ${pct(r.world_share)}`).join(", ") || "–",
      usgs_year: (mine[0] || refined[0]).year,
      differs: Boolean(lead) && [refined[0] && refined[0].iso3, ex[0] && ex[0].exporter].some((x) => x && x !== lead),
    });
  }
  if (!rows.length) return;
  const box = table("minerals-table", "Who mines, who refines, who exports", rows,
    ["product", "name", "commodity", "mines", "refines", "exports", "usgs_year"], {
      flag: (r) => r.differs,
      caption:
        `Largest producers and their world shares: ${mcs.params.source}; exports: BACI world export shares, ${year}. ` +
        "Shaded: the leading refiner or exporter is not the leading miner. Commodities through the cited HS ↔ USGS map (/api/v1/hs-usgs).",
    });
  box.classList.add("minerals");
  notes(mcs.notes);
}

async function runLeverage(s, live) {
  const q = { a: s.a, b: s.b, year: s.year, ...goods(s) };
  const [lev, figs] = await Promise.all([
    getJSON(apiUrl("/leverage", { ...q, limit: 10000 })),
    getJSON(apiUrl("/figures/leverage", q)),
  ]);
  if (!live()) return;
  const sm = lev.summary;
  const A = countryName(sm.a), B = countryName(sm.b);
  headline(
    `${A} depends on ${B} for ${plural(sm.a_depends_on_b.products, "product")} (${money(sm.a_depends_on_b.value_at_stake)} at stake); ` +
      `${B} depends on ${A} for ${plural(sm.b_depends_on_a.products, "product")} (${money(sm.b_depends_on_a.value_at_stake)}).`,
  );
  await charts(["balance", figs.figures.balance]);
  table("leverage-table", "Dependencies each way", lev.rows,
    ["importer", "supplier", "product", "name", "import_value", "value_at_stake", "import_share", "supplier_world_share"], {
      csv: apiUrl("/leverage", { ...q, format: "csv", limit: 10000 }),
    });
  table("exposure-table", "Export-market exposure", lev.exposure, ["exporter", "partner", "exports_to_partner", "total_exports", "share"]);
  notes(lev.notes);
}

async function runYard(s, live) {
  const q = { importer: s.country, year: s.year, coverage: s.coverage, rival: list(s.rival), method: s.method };
  const y = await getJSON(apiUrl("/yard", { ...q, figures: true, limit: 10000 }));
  if (!live()) return;
  const sm = y.summary;
  headline(
    `The small yard of ${countryName(sm.importer)} in ${sm.year}: ${plural(sm.size, "product")} of ${sm.candidates}, ` +
      `covering ${pct(sm.coverage)} of total vulnerability, for a fence cost of ${(100 * sm.fence_cost).toFixed(2)}% of imports ` +
      `(${money(sm.fence_value)}).`,
    sm.trend ? `Across the years held, the yard is ${sm.trend}.` : null,
  );
  await charts(["yard", y.figures.yard]);
  table("yard-table", "Products in the yard", y.rows,
    ["rank", "product", "name", "score", "cum_coverage", "import_value", "top_supplier", "top_share", "dependence", "criticality"], {
      csv: apiUrl("/yard", { ...q, format: "csv", limit: 10000 }),
    });
  if (y.years && y.years.length) table("yard-years", "Is the yard growing?", y.years, ["year", "hs", "size", "coverage", "fence_cost", "fence_value", "entering", "leaving"]);
  notes(y.notes);
}

async function runScenario(s, live) {
  const kind = s.kind || "ban";
  const io = s.io ? { io: s.io, model: s.model || "ghosh" } : {};
  const common = { year: s.year, ...goods(s), ...io, draws: Number(s.draws) > 0 ? s.draws : null, seed: Number(s.draws) > 0 ? 0 : null, figures: true };
  const q =
    kind === "tariff" ? { imposer: list(s.imposer), on: list(s.on), rate: s.rate }
    : kind === "coalition" ? { members: list(s.members), target: list(s.target), threshold: s.threshold }
    : { from: list(s.from), to: list(s.to) };
  let r = await getJSON(apiUrl("/scenarios/" + kind, { ...q, ...common }));
  while (r.status === "queued" || r.status === "running") {
    // many draws run as a job: poll its status URL
    document.getElementById("status").textContent = `Running (${r.elapsed_s} s)…`;
    await new Promise((ok) => setTimeout(ok, 500));
    r = await getJSON(r.url);
    if (r.status === "failed") throw new Problem(r.problem);
    if (r.status === "done") r = r.result;
  }
  if (!live()) return;
  const t = r.summary;
  headline(
    `${r.params.scenario} in ${r.params.year}: ${money(t.lost_imports)} of imports lost, ${money(t.replaced)} replaced by other suppliers, ` +
      `a shortfall of ${money(t.shortfall)} (${pct(t.shortfall_share)} of the ${money(t.baseline_imports)} imported).`,
  );
  await lastTime(kind, s);
  for (const m of r.measures) {
    if (m.must_join) {
      headline(
        m.must_join.exporters.length
          ? `Who must join to leave ${countryName(list(s.target)[0] || "")} at most ${pct(m.must_join.threshold)} of world supply: ` +
              m.must_join.exporters.map(countryName).join(", ") + (m.must_join.exact ? "." : " (may not be the smallest set).")
          : "Nobody else must join.",
      );
    }
  }
  await charts(["outcome", r.figures && r.figures.outcome]);
  table("scenario-table", "Per target and product (thousand USD)", r.rows,
    ["importer", "product", "name", "baseline_imports", "lost_imports", "replaced", "shortfall", "shortfall_share"], {
      csv: apiUrl("/scenarios/" + kind, { ...q, ...common, figures: null, format: "csv" }),
      flag: (x) => x.shortfall > 0,
    });
  if (r.uncertainty) table("uncertainty-table", "Monte Carlo bands (median, 5–95%)", r.uncertainty, ["measure", "metric", "central", "median", "p05", "p95"]);
  if (r.io) {
    const t = r.io.totals, unit = t.unit || "million USD";
    const n = (x) => (x ?? 0).toLocaleString("en-US", { maximumFractionDigits: 1 });
    headline(
      `Through the ${r.io.table.split("/").pop()} input-output table (${r.io.model}): output falls by ${n(t.output_loss)} ` +
        `and value added (GDP) by ${n(t.value_added_loss)} ${unit}, ${(100 * (t.world_gdp_share_lost || 0)).toFixed(4)}% of world GDP.`,
    );
    table("io-table", `Input-output losses by region (${unit})`, r.io.regions, Object.keys(r.io.regions[0] || {}));
    table("sectors-table", `Most affected sectors (${unit})`, r.io.top_sectors, Object.keys(r.io.top_sectors[0] || {}));
  }
  notes(r.notes);
}

// "The last time this happened": the latest event of the library with the same imposer, a
// matching target and kind, and (when the scenario names products) a product in common.
const KINDS = { ban: ["ban", "licensing", "coalition_control"], tariff: ["tariff"], coalition: ["coalition_control", "ban", "licensing"] };

async function lastTime(kind, s) {
  const [imp, tgt] =
    kind === "tariff" ? [list(s.imposer), list(s.on)]
    : kind === "coalition" ? [list(s.members), list(s.target)]
    : [list(s.from), list(s.to)];
  const up = (xs) => xs.map((x) => x.toUpperCase());
  const [I, T] = [up(imp), up(tgt)];
  if (!I.length || !I.every((x) => /^[A-Z]{3}$/.test(x))) return;
  const ev = await getJSON(apiUrl("/backtests", { country: I[0] }));
  const goods = list(s.product);
  const match = ev.rows.filter((r) => {
    const by = r.imposer.split("+");
    const on = r.target.split(/[,+ ]+/);
    const codes = r.products.match(/\d{6}/g) || [];
    return (
      by.some((x) => I.includes(x)) &&
      (on.includes("all") || on.some((x) => T.includes(x))) &&
      r.kind.split("+").some((k) => KINDS[kind].includes(k)) &&
      (!goods.length || r.products === "all goods" || goods.some((g) => codes.some((c) => c.startsWith(g) || g.startsWith(c))))
    );
  });
  if (!match.length) return;
  const last = match.reduce((a, b) => (b.date > a.date ? b : a));
  const p = el("p", { class: "last-time", "data-testid": "last-time" },
    `The last time this happened: ${last.title} (${last.date}; ${last.imposer} → ${last.target}). `,
    el("a", { href: apiUrl("/backtests/" + encodeURIComponent(last.event), { format: "html" }), target: "_blank" },
      "Its back-test: what the model predicted against what trade did."));
  document.getElementById("headline").append(p);
}

async function runPlan(s, live) {
  const q = {
    importer: s.country, product: list(s.product), rival: list(s.rival), cap: s.cap, strategy: s.strategy,
    ban_days: s.ban_days, year: s.year, frontier: true,
  };
  const p = await getJSON(apiUrl("/plan", { ...q, figures: true }));
  if (!live()) return;
  for (const r of p.plans) {
    headline(
      r.status === "no imports"
        ? `${r.importer} ${r.product}: no imports in this year.`
        : r.feasible
          ? `${productName(r.product) || r.product}: the rival's share falls from ${pct(r.baseline_rival_share)} to ${pct(r.rival_share)} ` +
            `for a cost premium of ${money(r.cost_premium)} (${r.cost_premium_pct.toFixed(2)}% of imports).`
          : `${productName(r.product) || r.product}: no plan meets a cap of ${pct(r.cap)}. ${r.message || ""}`,
    );
  }
  await charts(["mix", p.figures.mix], ["frontier", p.figures.frontier]);
  table("plan-table", "Plans per product", p.plans,
    ["product", "name", "feasible", "cap", "baseline_rival_share", "rival_share", "cost_premium", "cost_premium_pct", "baseline_hhi", "hhi", "residual_exposure"], {
      csv: apiUrl("/plan", { ...q, frontier: false, format: "csv" }),
    });
  table("mix-table", "Supplier mix (thousand USD)", p.rows,
    ["product", "supplier", "role", "allowed", "baseline_share", "planned_share", "planned_value", "change_value", "capacity_value"]);
  if (p.stockpile) table("stockpile-table", "Stockpile cover", p.stockpile, ["product", "import_value", "rival_value", "ban_days", "days_cover", "stock_value", "carrying_cost"]);
  notes(p.notes);
}

// ---------------------------------------------------------------------------------------
// start

async function start() {
  const [years, countries, products, baskets, health, io] = await Promise.all([
    getJSON(API + "/years"),
    getJSON(API + "/countries?limit=10000"),
    getJSON(API + "/products?limit=10000"),
    getJSON(API + "/baskets"),
    getJSON(API + "/health"),
    getJSON(API + "/io-tables"),
  ]);
  state.ioTables = io.tables;
  state.years = years.years;
  for (const c of countries.rows) state.countries.set(c.iso3, c.display_name);
  for (const p of products.rows) state.products.set(p.code, p.description);
  const dl = document.getElementById("countries");
  for (const c of countries.rows) dl.append(el("option", { value: c.iso3 }, c.display_name));
  const bl = document.getElementById("baskets");
  for (const b of baskets.rows) bl.append(el("option", { value: b.name }, b.title || b.name));
  document.getElementById("version").textContent = `econsec ${health.version}; releases ${health.releases.join(", ")}.`;
  for (const a of document.querySelectorAll("#views a")) {
    a.addEventListener("click", (e) => {
      e.preventDefault();
      history.pushState(null, "", a.getAttribute("href"));
      render();
    });
  }
  window.addEventListener("popstate", render);
  const { view, s } = readState();
  writeState(view, s, false);
  await render();
}

start().catch((e) => {
  const problem = document.getElementById("problem");
  problem.textContent = "The dashboard cannot start: " + (e.doc ? e.doc.detail : String(e));
  problem.hidden = false;
  document.body.dataset.state = "error";
});

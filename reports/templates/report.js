/* The report's behaviour: filters, trend charts (uPlot), and each service's detail, built from
   the embedded report document when opened. DOM is built with textContent: no data is parsed
   as HTML. No network access (the page's Content-Security-Policy forbids it anyway). */
(function () {
  "use strict";
  var doc = JSON.parse(document.getElementById("report-data").textContent);
  var LETTER = {green: "G", amber: "A", red: "R", unknown: "?", not_assessed: "–", not_applicable: "n/a"};
  var NAME = {green: "Green", amber: "Amber", red: "Red", unknown: "Unknown",
              not_assessed: "Not assessed", not_applicable: "Not applicable"};
  var COLOUR = {green: "#009e73", amber: "#e69f00", red: "#d55e00", unknown: "#cc79a7"};
  var DASH = {green: [], amber: [6, 3], red: [2, 2], unknown: [10, 3, 2, 3]};
  var TREND = ["green", "amber", "red", "unknown"];
  var categories = {}, criteria = {}, pillars = {}, pillarOf = {};
  doc.framework.pillars.forEach(function (p) {
    pillars[p.id] = p.name;
    p.categories.forEach(function (c) {
      categories[c.id] = c;
      pillarOf[c.id] = p.id;
      c.criteria.forEach(function (cr) { criteria[c.id + "/" + cr.id] = cr; });
    });
  });

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function level(value, extra) {
    return el("span", {"class": "lv l-" + value + (extra ? " " + extra : ""), title: NAME[value]},
              [LETTER[value], el("span", {"class": "sr", text: " " + NAME[value]})]);
  }

  /* --- filters ------------------------------------------------------------------------------- */
  var form = document.getElementById("filters");
  var items = Array.prototype.slice.call(document.querySelectorAll(".f"));
  function applyFilters() {
    var f = {domain: form.domain.value, platform: form.platform.value, tier: form.tier.value,
             gt: form.gt.checked ? "yes" : "", q: form.q.value.trim().toLowerCase()};
    var shown = 0;
    items.forEach(function (node) {
      var d = node.dataset, hide = false;
      ["domain", "platform", "tier", "gt"].forEach(function (k) {
        if (f[k] && d[k] !== undefined && d[k] !== f[k]) hide = true;
      });
      if (f.q && d.name !== undefined && d.name.toLowerCase().indexOf(f.q) < 0) hide = true;
      node.hidden = hide;
      if (!hide && node.classList.contains("svc")) shown++;
    });
    document.getElementById("shown").textContent = shown + " services shown";
  }
  form.addEventListener("input", applyFilters);
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  /* --- charts -------------------------------------------------------------------------------- */
  var granularity = document.getElementById("granularity");
  var charts = [];
  function sample(dates, series) {
    // Monthly: the last day of each month (the state the month ended in).
    if (granularity.value !== "monthly") return {dates: dates, series: series};
    var keep = [];
    for (var i = 0; i < dates.length; i++) {
      if (i === dates.length - 1 || dates[i].slice(0, 7) !== dates[i + 1].slice(0, 7)) keep.push(i);
    }
    var out = {};
    Object.keys(series).forEach(function (k) { out[k] = keep.map(function (i) { return series[k][i]; }); });
    return {dates: keep.map(function (i) { return dates[i]; }), series: out};
  }
  function chart(container, title, dates, series) {
    var box = el("figure", {"class": "chart"}, [el("h4", {text: title})]);
    container.appendChild(box);
    var s = sample(dates, series);
    var xs = s.dates.map(function (d) { return Date.parse(d + "T00:00:00Z") / 1000; });
    var width = Math.max(260, Math.min(560, (box.clientWidth || 480) - 8));
    var opts = {
      width: width, height: 180, legend: {show: true}, cursor: {show: true},
      scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, Math.max(1, max)]; }}},
      axes: [{}, {size: 56}],
      series: [{}].concat(TREND.map(function (k) {
        return {label: NAME[k], stroke: COLOUR[k], width: 2, dash: DASH[k],
                points: {show: xs.length < 40}};
      }))
    };
    var data = [xs].concat(TREND.map(function (k) { return s.series[k] || []; }));
    charts.push(new uPlot(opts, data, box));
    box.appendChild(el("figcaption", {"class": "sr",
      text: title + ": " + TREND.map(function (k) {
        var v = s.series[k] || []; return NAME[k] + " " + (v.length ? v[v.length - 1] : 0);
      }).join(", ")}));
  }
  function drawTrends() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    var t = doc.trends;
    var pc = document.getElementById("pillar-charts"), dc = document.getElementById("domain-charts");
    pc.textContent = ""; dc.textContent = "";
    Object.keys(t.pillars).forEach(function (p) { chart(pc, pillars[p] || p, t.dates, t.pillars[p]); });
    Object.keys(t.domains).forEach(function (d) { chart(dc, d || "(no domain)", t.dates, t.domains[d]); });
    document.querySelectorAll("details.svc[open]").forEach(function (d) { d.dataset.built = ""; build(d); });
  }
  granularity.addEventListener("change", drawTrends);

  /* --- a service's detail ---------------------------------------------------------------- */
  function serviceTrend(svc) {
    // Counts per day from the level changes, carried forward to the report date.
    if (!svc.history.length) return null;
    var dates = doc.trends.dates, current = {}, at = 0, series = {};
    TREND.forEach(function (k) { series[k] = []; });
    dates.forEach(function (day) {
      while (at < svc.history.length && svc.history[at].date <= day) {
        Object.assign(current, svc.history[at].levels); at++;
      }
      var tally = {};
      Object.keys(current).forEach(function (c) { tally[current[c]] = (tally[current[c]] || 0) + 1; });
      TREND.forEach(function (k) { series[k].push(tally[k] || 0); });
    });
    return series;
  }
  /* The page's compact wire form (see reports/html.py page_data) read back into full records. */
  function category(c) {
    return {category: c.category, pillar: pillarOf[c.category] || "other", effective: c.effective,
      inferred: c.inferred, confirmed: !!c.confirmed, differs: !!c.differs, stale: !!c.stale,
      why: c.why || "unconfirmed", note: c.note || "", next_level: c.next_level || null,
      missing_for_next_level: c.missing_for_next_level || [],
      trace: c.trace.map(function (t) {
        var cr = criteria[c.category + "/" + t[0]] || {};
        return {id: t[0], result: t[1], facts: t[2] || [], counts: t.length < 4 || t[3] === 1,
                error: t[4] || null, level: cr.level || ""};
      })};
  }
  function evidenceRecord(e, repo) {
    return {key: e.key, value: e.value === undefined ? null : e.value,
      unknown_reason: e.unknown_reason || "", probe: e.probe, probe_version: e.probe_version,
      locators: e.locators.map(function (l) {
        var href = l[1] && l[1].charAt(0) === "~" ? repo + l[1].slice(1) : l[1];
        return {text: l[0], href: href};
      })};
  }
  function evidenceItem(e) {
    var value = e.value === null ? el("em", {text: "unknown: " + (e.unknown_reason || "")})
                                 : el("code", {text: JSON.stringify(e.value)});
    var where = e.locators.map(function (l) {
      return l.href ? el("a", {href: l.href, rel: "noreferrer", text: l.text}) : el("code", {text: l.text});
    });
    var parts = [el("code", {text: e.key}), " = ", value];
    if (where.length) {
      parts.push(" ← ");
      where.forEach(function (w, i) { if (i) parts.push(", "); parts.push(w); });
    }
    parts.push(el("span", {"class": "muted", text: " [" + e.probe + " " + e.probe_version + "]"}));
    return el("li", {}, parts);
  }
  function build(details) {
    if (details.dataset.built) return;
    details.dataset.built = "1";
    var svc = doc.services[Number(details.dataset.index)];
    var body = details.querySelector(".body");
    body.textContent = "";
    var evidence = {};
    svc.evidence.forEach(function (e) { evidence[e.key] = evidenceRecord(e, svc.repository_url || ""); });
    body.appendChild(el("p", {"class": "muted", text: "Scan " + svc.scan_id + " recorded " +
      svc.recorded_at.slice(0, 16).replace("T", " ") + " UTC" +
      (svc.repository_url ? " · repository " + svc.repository_url : "")}));
    var rows = svc.categories.map(category).map(function (c) {
      var cat = categories[c.category] || {name: c.category, criteria: [], definitions: {}, remediation: {}};
      var crit = el("ul", {}, c.trace.map(function (t) {
        var cr = criteria[c.category + "/" + t.id] || {description: t.id};
        var facts = t.facts.map(function (k) { return evidence[k]; }).filter(Boolean);
        return el("li", {"class": "crit-" + t.result}, [
          "[" + t.level + "] " + cr.description + (t.counts ? "" : " (not yet counted)"),
          facts.length ? el("ul", {}, facts.map(evidenceItem)) : null]);
      }));
      var next = [];
      if (c.next_level) {
        next.push(el("strong", {text: "To reach " + NAME[c.next_level] + ": "}));
        next.push(c.missing_for_next_level.map(function (id) {
          return (criteria[c.category + "/" + id] || {description: id}).description;
        }).join("; ") + " ");
        if (cat.remediation && cat.remediation[c.next_level]) next.push(cat.remediation[c.next_level] + " ");
      } else { next.push("At the highest level. "); }
      if (cat.guidance) next.push(el("a", {href: cat.guidance, rel: "noreferrer", text: "Guidance"}));
      return el("tr", {}, [
        el("th", {scope: "row"}, [cat.name, el("br"), el("span", {"class": "muted", text: pillars[c.pillar] || c.pillar})]),
        el("td", {}, [level(c.effective, c.differs ? "differs" : (c.confirmed ? "confirmed" : ""))]),
        el("td", {}, [level(c.inferred)]),
        el("td", {}, [el("div", {text: c.why + (c.note ? " · " + c.note : "")}), crit]),
        el("td", {}, next)
      ]);
    });
    body.appendChild(el("table", {"class": "cats"}, [
      el("thead", {}, [el("tr", {}, ["Category", "Effective", "Inferred", "Why · trace · evidence", "Next level"].map(
        function (h) { return el("th", {scope: "col", text: h}); }))]),
      el("tbody", {}, rows)]));
    var trend = serviceTrend(svc);
    if (trend) {
      var holder = el("div", {"class": "charts"});
      body.appendChild(el("h4", {text: "Trend"}));
      body.appendChild(holder);
      chart(holder, svc.name + " (inferred)", doc.trends.dates, trend);
      var changes = [];
      svc.history.slice(1).forEach(function (h) {
        Object.keys(h.levels).forEach(function (c) { changes.push(h.date + " " + c + " → " + NAME[h.levels[c]]); });
      });
      if (changes.length) body.appendChild(el("details", {}, [el("summary", {text: changes.length + " level changes"}),
        el("ul", {}, changes.reverse().map(function (t) { return el("li", {text: t}); }))]));
    }
    body.appendChild(el("h4", {text: "Reviews (" + svc.reviews.length + ")"}));
    body.appendChild(svc.reviews.length ? el("ul", {}, svc.reviews.slice().reverse().map(function (r) {
      return el("li", {text: r.created_at.slice(0, 10) + " · " + r.category + " · " + r.kind +
        (r.level ? " " + r.level : "") + " by " + r.actor +
        (r.reason_code ? " (" + r.reason_code + ")" : "") + (r.reason_text ? ": " + r.reason_text : "") +
        (r.expires_at ? " · expires " + r.expires_at.slice(0, 10) : "")});
    })) : el("p", {"class": "muted", text: "No reviews yet."}));
    body.appendChild(el("h4", {text: "Actions (" + svc.actions.length + ")"}));
    body.appendChild(svc.actions.length ? el("ul", {}, svc.actions.map(function (a) {
      return el("li", {text: a.category + " · “" + a.text + "” · " + a.owner + " · " + a.status +
        (a.due ? " · due " + a.due : "") + (a.overdue ? " · OVERDUE" : "")});
    })) : el("p", {"class": "muted", text: "No actions."}));
  }
  var services = Array.prototype.slice.call(document.querySelectorAll("details.svc"));
  services.forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) build(d); });
  });
  function openHash() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; build(target); }
  }
  window.addEventListener("hashchange", openHash);
  document.getElementById("expand").addEventListener("click", function () {
    services.forEach(function (d) { if (!d.hidden) { build(d); d.open = true; } });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    services.forEach(function (d) { d.open = false; });
  });
  // Printing shows every service that the filters leave visible, opened.
  window.addEventListener("beforeprint", function () {
    services.forEach(function (d) { if (!d.hidden) { build(d); d.open = true; } });
  });

  drawTrends();
  applyFilters();
  openHash();
})();

"use strict";
(function () {
  const data = JSON.parse(document.getElementById("plan-data").textContent);
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                   "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd"];
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => (
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const clock = (iso) => (iso ? iso.slice(11, 16) : "");
  const money = (x) => Number(x).toLocaleString(undefined, {maximumFractionDigits: 0});

  const map = L.map("map");
  if (data.tile_url) {
    const tiles = L.tileLayer(data.tile_url, {maxZoom: 19, attribution: data.attribution});
    tiles.on("tileerror", () => document.body.classList.add("no-tiles"));
    tiles.addTo(map);
  } else {
    document.body.classList.add("no-tiles");
  }

  const bounds = [];
  const groups = {};
  const filter = document.getElementById("collector-filter");
  const body = document.querySelector("#collectors tbody");
  data.routes.forEach((route, k) => {
    const colour = palette[k % palette.length];
    const group = L.featureGroup();
    const points = route.steps.filter((s) => s.lat !== null).map((s) => [s.lat, s.lon]);
    if (points.length > 1) {
      L.polyline(points, {color: colour, weight: 4, opacity: 0.85, className: "route-line"})
        .bindTooltip(esc(route.collector_id)).addTo(group);
    }
    let order = 0;
    route.steps.forEach((step) => {
      if (step.type !== "visit" || step.lat === null) return;
      order += 1;
      const icon = L.divIcon({className: "stop", iconSize: [22, 22],
                              html: `<span style="background:${colour}">${order}</span>`});
      L.marker([step.lat, step.lon], {icon: icon, title: step.customer_id})
        .bindTooltip(`${order}. ${esc(step.customer_id)} — arrive ${clock(step.arrival)}, ` +
                     `visit ${clock(step.service_start)}–${clock(step.service_end)}`)
        .addTo(group);
    });
    points.forEach((p) => bounds.push(p));
    group.addTo(map);
    groups[route.collector_id] = group;

    const row = document.createElement("tr");
    row.className = "collector";
    row.dataset.collector = route.collector_id;
    const visits = route.steps.filter((s) => s.type === "visit");
    const first = visits.length ? clock(visits[0].service_start) : "";
    const last = visits.length ? clock(visits[visits.length - 1].service_end) : "";
    row.innerHTML = `<td><span class="swatch" style="background:${colour}"></span>` +
      `${esc(route.collector_id)}</td><td class="num">${route.visits}</td>` +
      `<td class="num">${money(route.value)}</td>` +
      `<td class="num">${(route.travel_seconds / 3600).toFixed(1)}</td><td>${first}–${last}</td>`;
    row.addEventListener("click", () => { filter.value = route.collector_id; show(); });
    body.appendChild(row);
    const option = document.createElement("option");
    option.value = route.collector_id;
    option.textContent = route.collector_id;
    filter.appendChild(option);
  });

  const unplanned = L.featureGroup().addTo(map);
  const list = document.querySelector("#unplanned-list tbody");
  data.unassigned.forEach((u) => {
    const row = document.createElement("tr");
    row.innerHTML = `<td>${esc(u.customer_id)}${u.mandatory ? " (mandatory)" : ""}</td>` +
                    `<td>${esc(u.reason)}</td>`;
    list.appendChild(row);
    if (u.lat === null) return;
    L.circleMarker([u.lat, u.lon], {radius: 6, color: "#666", weight: 1, fillColor: "#aaa",
                                    fillOpacity: 0.8, className: "unplanned"})
      .bindTooltip(`${esc(u.customer_id)}: ${esc(u.reason)} — ${esc(u.explanation)}`)
      .addTo(unplanned);
    bounds.push([u.lat, u.lon]);
  });
  document.querySelector("#unplanned-list summary").textContent =
    `${data.unassigned.length} customers not planned`;
  const s = data.summary;
  document.getElementById("summary").textContent =
    `${s.visits} visits by ${data.routes.length} collectors · value ${money(s.value)} · ` +
    `travel ${(s.travel_seconds / 3600).toFixed(1)} h · ${data.unassigned.length} not planned`;

  function show() {
    const chosen = filter.value;
    Object.entries(groups).forEach(([id, group]) => {
      if (!chosen || chosen === id) group.addTo(map); else group.remove();
    });
    document.querySelectorAll("tr.collector").forEach((row) => {
      row.classList.toggle("dimmed", Boolean(chosen) && row.dataset.collector !== chosen);
    });
    const target = chosen ? groups[chosen].getBounds() : L.latLngBounds(bounds);
    if (target.isValid()) map.fitBounds(target, {padding: [30, 30]});
  }
  filter.addEventListener("change", show);
  if (bounds.length) map.fitBounds(L.latLngBounds(bounds), {padding: [30, 30]});
  else map.setView([0, 0], 2);
})();

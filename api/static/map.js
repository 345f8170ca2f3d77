"use strict";
(function () {
  const data = JSON.parse(document.getElementById("plan-data").textContent);
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
                   "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd"];
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => (
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const clock = (iso) => (iso ? iso.slice(11, 16) : "");
  const money = (x) => Number(x).toLocaleString(undefined, {maximumFractionDigits: 0});
  const where = (item) => (item.address ? ` · ${esc(item.address)}` : "");
  const FAR_ZOOM = 13;  // below it, stops are dots: a dense centre stays readable

  const map = L.map("map");
  if (data.tile_url) {
    const tiles = L.tileLayer(data.tile_url, {maxZoom: 19, attribution: data.attribution});
    tiles.on("tileerror", () => document.body.classList.add("no-tiles"));
    tiles.addTo(map);
  } else {
    document.body.classList.add("no-tiles");
  }
  const filter = document.getElementById("collector-filter");
  // All routes at once, zoomed out: dots. One collector's route, or zoomed in: numbers.
  const density = () => document.body.classList.toggle(
    "far", !filter.value && map.getZoom() < FAR_ZOOM);
  map.on("zoomend", density);

  const bounds = [];
  const groups = {};
  const stopsOf = {};
  const body = document.querySelector("#collectors tbody");
  data.routes.forEach((route, k) => {
    const colour = palette[k % palette.length];
    const group = L.featureGroup();
    const points = route.steps.filter((s) => s.lat !== null).map((s) => [s.lat, s.lon]);
    if (points.length > 1) {
      L.polyline(points, {color: colour, weight: 4, opacity: 0.85, className: "route-line"})
        .bindTooltip(esc(route.collector_id)).addTo(group);
    }
    const visits = route.steps.filter((s) => s.type === "visit");
    visits.forEach((step, i) => {
      if (step.lat === null) return;
      const icon = L.divIcon({className: "stop", iconSize: [22, 22],
                              html: `<span style="background:${colour}">${i + 1}</span>`});
      L.marker([step.lat, step.lon], {icon: icon, title: step.customer_id})
        .bindTooltip(`${i + 1}. ${clock(step.service_start)}–${clock(step.service_end)} ` +
                     `${esc(step.customer_id)}${where(step)} (arrive ${clock(step.arrival)})`)
        .addTo(group);
    });
    stopsOf[route.collector_id] = visits;
    points.forEach((p) => bounds.push(p));
    group.addTo(map);
    groups[route.collector_id] = group;

    const row = document.createElement("tr");
    row.className = "collector";
    row.dataset.collector = route.collector_id;
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

  // Customers not planned: grey markers (red for a missed mandatory visit), and a list grouped
  // by the reason, in words.
  const unplanned = L.featureGroup().addTo(map);
  const missed = data.unassigned.filter((u) => u.mandatory);
  const byReason = {};
  data.unassigned.forEach((u) => {
    (byReason[u.reason_text] = byReason[u.reason_text] || []).push(u);
    if (u.lat === null) return;
    const style = u.mandatory
      ? {radius: 9, color: "#a50e0e", weight: 3, fillColor: "#d93025", fillOpacity: 0.9,
         className: "unplanned missed"}
      : {radius: 6, color: "#666", weight: 1, fillColor: "#aaa", fillOpacity: 0.8,
         className: "unplanned"};
    L.circleMarker([u.lat, u.lon], style)
      .bindTooltip(`${esc(u.customer_id)}${u.mandatory ? " (mandatory)" : ""}: ` +
                   `${esc(u.reason_text)}${where(u)} — ${esc(u.explanation)}`)
      .addTo(unplanned);
    bounds.push([u.lat, u.lon]);
  });
  const list = document.querySelector("#unplanned-list tbody");
  Object.entries(byReason).sort((a, b) => b[1].length - a[1].length).forEach(([reason, items]) => {
    const head = document.createElement("tr");
    head.className = "reason-group";
    head.innerHTML = `<th colspan="2">${esc(reason)} (${items.length})</th>`;
    list.appendChild(head);
    items.forEach((u) => {
      const row = document.createElement("tr");
      row.innerHTML = `<td>${esc(u.customer_id)}${u.mandatory ? " (mandatory)" : ""}</td>` +
                      `<td>${u.address ? esc(u.address) : ""}</td>`;
      list.appendChild(row);
    });
  });
  document.querySelector("#unplanned-list summary").textContent =
    `${data.unassigned.length} customers not planned`;
  if (missed.length) {
    const banner = document.getElementById("missed");
    banner.classList.add("shown");
    banner.querySelector("strong").textContent =
      `${missed.length} mandatory visit${missed.length > 1 ? "s" : ""} missed`;
    banner.querySelector("ul").innerHTML = missed.map((u) => (
      `<li>${esc(u.customer_id)}: ${esc(u.reason_text)}</li>`)).join("");
  }
  document.getElementById("show-unplanned").addEventListener("change", (event) => {
    document.body.classList.toggle("hide-unplanned", !event.target.checked);
  });
  const s = data.summary;
  document.getElementById("summary").textContent =
    `${s.visits} visits by ${data.routes.length} collectors · value ${money(s.value)} · ` +
    `travel ${(s.travel_seconds / 3600).toFixed(1)} h · ${data.unassigned.length} not planned`;

  // The chosen collector's stops, in order, with their times and addresses.
  const stops = document.getElementById("stops");
  function listStops(chosen) {
    stops.classList.toggle("shown", Boolean(chosen));
    if (!chosen) return;
    stops.querySelector("strong").textContent = `${chosen}: ${stopsOf[chosen].length} visits`;
    stops.querySelector("tbody").innerHTML = stopsOf[chosen].map((step, i) => (
      `<tr class="stop-row"><td class="num">${i + 1}</td>` +
      `<td>${clock(step.service_start)}–${clock(step.service_end)}</td>` +
      `<td>${esc(step.customer_id)}</td><td class="addr">${step.address ? esc(step.address) :
        (step.lat === null ? "" : `${step.lat.toFixed(5)}, ${step.lon.toFixed(5)}`)}</td></tr>`
    )).join("");
  }

  function show() {
    const chosen = filter.value;
    Object.entries(groups).forEach(([id, group]) => {
      if (!chosen || chosen === id) group.addTo(map); else group.remove();
    });
    document.querySelectorAll("tr.collector").forEach((row) => {
      row.classList.toggle("dimmed", Boolean(chosen) && row.dataset.collector !== chosen);
    });
    listStops(chosen);
    density();
    const target = chosen ? groups[chosen].getBounds() : L.latLngBounds(bounds);
    if (target.isValid()) map.fitBounds(target, {padding: [30, 30]});
  }
  filter.addEventListener("change", show);
  if (bounds.length) map.fitBounds(L.latLngBounds(bounds), {padding: [30, 30]});
  else map.setView([0, 0], 2);
  density();
})();

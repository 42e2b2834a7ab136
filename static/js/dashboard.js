// Leaders' dashboard: draws the charts from the json_script data; a click on any element opens the
// measure list behind it (each data item carries its drill-down URL). No inline script (CSP).
(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const L = data.labels;
  const charts = {};

  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "item" } }, option));
    chart.on("click", (params) => {
      const url = params.data && params.data.url;
      if (url) window.location.assign(url);
    });
    charts[id] = chart;
    return chart;
  }

  const niceMax = (n) => (n <= 5 ? n : Math.ceil(n / 5) * 5);  // ticks that do not crowd the last one
  const narrow = (id) => (document.getElementById(id) || { clientWidth: 1000 }).clientWidth < 480;
  const empty = (items) => (items.length ? undefined : { text: "—", left: "center", top: "middle" });

  draw("chart-categories", {
    title: empty(data.categories),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    // Room on the right for the rate label after the longest bar ("16.7%"), which containLabel ignores.
    grid: { left: 8, right: 52, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.categories.map((c) => c.name),
             axisLabel: { width: 140, overflow: "truncate" } },
    series: [
      { name: L.closed, type: "bar", stack: "m", itemStyle: { color: "#2e7d32" },
        label: { show: true, position: "inside", formatter: (p) => (p.value ? p.value : "") },
        data: data.categories.map((c) => ({ value: c.closed, url: c.closed_url, rate: c.rate })) },
      { name: L.unfinished, type: "bar", stack: "m", itemStyle: { color: "#ef9a9a" },
        label: { show: true, position: "right",
                 formatter: (p) => (data.categories[p.dataIndex].rate === null ? "" : data.categories[p.dataIndex].rate + "%") },
        data: data.categories.map((c) => ({ value: c.unfinished, url: c.unfinished_url })) },
    ],
  });

  draw("chart-statuses", {
    title: empty(data.statuses.filter((s) => s.value)),
    legend: { bottom: 0 },
    color: ["#9e9e9e", "#1565c0", "#6a1b9a", "#2e7d32", "#00838f"],
    // On a phone the names are in the legend and the counts inside the ring: outside labels were cut.
    series: [{ name: L.measures, type: "pie", radius: ["35%", "65%"], top: -20,
               label: narrow("chart-statuses") ? { position: "inside", formatter: (p) => (p.value ? p.value : "") }
                 : { formatter: "{b}: {c}" },
               data: data.statuses.map((s) => ({ name: s.name, value: s.value, url: s.url })) }],
  });

  const depts = data.departments;
  const deptChart = document.getElementById("chart-departments");
  if (deptChart && depts.length > 10) deptChart.style.height = Math.min(24 * depts.length + 80, 1200) + "px";
  draw("chart-departments", {
    title: empty(depts),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 44, top: 48, bottom: 40, containLabel: true },
    // Two measures on two axes: the completion rate on a 0–100% axis (top), the overdue count on a
    // count axis (bottom) whose scale is the largest department's number of measures to close, so one
    // overdue measure is a short bar, not a full-width one.
    xAxis: [
      { type: "value", name: L.rate, min: 0, max: 100, position: "top", nameLocation: "middle", nameGap: 22,
        axisLabel: { formatter: "{value}%" } },
      { type: "value", name: L.overdue, min: 0, minInterval: 1, position: "bottom", nameLocation: "middle",
        nameGap: 22, max: niceMax(Math.max(1, ...depts.map((d) => Math.max(d.closable || 0, d.overdue || 0)))),
        splitLine: { show: false }, axisLabel: { color: "#c62828" }, nameTextStyle: { color: "#c62828" } },
    ],
    yAxis: { type: "category", inverse: true, data: depts.map((d) => d.name), axisLabel: { width: 120, overflow: "truncate" } },
    series: [
      { name: L.rate, type: "bar", xAxisIndex: 0, itemStyle: { color: "#2e7d32" },
        label: { show: true, position: "right", formatter: (p) => (p.value === null ? "—" : p.value + "%") },
        data: depts.map((d) => ({ value: d.rate, url: d.url })) },
      { name: L.overdue, type: "bar", xAxisIndex: 1, itemStyle: { color: "#c62828" },
        label: { show: true, position: "right" },
        data: depts.map((d) => ({ value: d.overdue, url: d.overdue_url })) },
    ],
  });

  draw("chart-burndown", {
    title: empty(data.burndown.days),
    tooltip: { trigger: "axis" },
    // The first and last date labels align inward: centred on the plot's edge they were cut ("025-12-01").
    grid: { left: 16, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.burndown.days, boundaryGap: false,
             axisLabel: { alignMinLabel: "left", alignMaxLabel: "right" } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: L.open, type: "line", areaStyle: { opacity: 0.15 }, itemStyle: { color: "#b71c1c" },
               symbolSize: 8,
               data: data.burndown.open.map((v) => ({ value: v, url: data.burndown.url })) }],
  });

  draw("chart-overdue", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.overdue.map((b) => b.name) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: L.overdue, type: "bar", itemStyle: { color: "#c62828" }, label: { show: true, position: "top" },
               data: data.overdue.map((b) => ({ value: b.value, url: b.url })) }],
  });

  window.dashboardCharts = charts;  // the browser test finds bars through the ECharts API
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  window.addEventListener("beforeprint", () => Object.values(charts).forEach((c) => c.resize()));
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
})();

// locust-ws charts: the WebSockets tab's live charts and the HTML report's, drawn as SVG in the look
// of Locust's Charts tab (its ECharts options: 300 px high, title left, round legend icons at the
// top, time axis, #ddd split lines). Locust bundles ECharts inside its app, out of an extension's
// reach, and the report must render offline: so the few shapes are drawn here, without a library.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var HEIGHT = 300, LEFT = 60, RIGHT = 40, TOP = 60, BOTTOM = 40;
  var PALETTE = ["#5070dd", "#b6d634", "#505372", "#ff994d", "#0ca8df", "#ffd10a", "#fb628b", "#785db0", "#3fbe95"];
  var LIGHT = { text: "#000", axis: "#000", label: "#6e7079", background: "#fff", split: "#ddd" };
  var DARK = { text: "#b3c3bc", axis: "#5b6f66", label: "#b3c3bc", background: "#27272a", split: "#4c4c52" };

  function element(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(content, attributes, parent) {
    var node = element("text", attributes, parent);
    node.textContent = content;
    return node;
  }

  // ECharts' nice intervals: 1, 2 or 5 times a power of ten, about ``count`` of them up to ``value``.
  function niceStep(value, count) {
    var raw = value > 0 ? value / count : 1 / count;
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= raw) return steps[i] * magnitude;
    return 10 * magnitude;
  }

  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  // Whole-second ticks at a round interval (as a time axis has), at most ``count`` of them.
  function timeTicks(start, end, count) {
    var step = TIME_STEPS.filter(function (seconds) { return (end - start) / seconds <= count; })[0] || 86400;
    var ticks = [];
    for (var second = Math.ceil(start / step) * step; second <= end; second += step) ticks.push(second);
    return ticks;
  }

  function isDark() {
    if (window.theme) return window.theme === "dark";
    var match = /\d+/g, rgb = (getComputedStyle(document.body).backgroundColor.match(match) || [255, 255, 255]);
    return (Number(rgb[0]) + Number(rgb[1]) + Number(rgb[2])) / 3 < 128;
  }

  // One chart: ``lines`` are {name, color, values}; ``times`` epoch seconds.
  function lineChart(title, times, lines, width) {
    var colors = isDark() ? DARK : LIGHT;
    var box = document.createElement("div");
    box.className = "locust-ws-chart";
    box.setAttribute("data-chart", title);
    box.setAttribute("data-points", String(times.length));
    box.style.cssText = "width:100%;height:" + HEIGHT + "px;margin-bottom:16px";
    var svg = element("svg", { width: width, height: HEIGHT, viewBox: "0 0 " + width + " " + HEIGHT,
      role: "img", "aria-label": title, style: "font:12px sans-serif;background:" + colors.background });
    box.appendChild(svg);
    text(title, { x: 5, y: 23, fill: colors.text, style: "font-size:18px;font-weight:bold" }, svg);
    var legend = element("g", {}, svg), legendX = 0;
    lines.forEach(function (line) {
      var item = element("g", { transform: "translate(" + legendX + ",0)", "data-series": line.name }, legend);
      element("circle", { cx: 7, cy: 32, r: 7, fill: line.color }, item);
      text(line.name, { x: 19, y: 36, fill: colors.text }, item);
      legendX += 19 + line.name.length * 7 + 10;  // measured before the chart is on the page
    });
    legend.setAttribute("transform", "translate(" + Math.max((width - legendX + 10) / 2, 0) + ",0)");
    var plotWidth = width - LEFT - RIGHT, plotHeight = HEIGHT - TOP - BOTTOM;
    var highest = 0;
    lines.forEach(function (line) {
      line.values.forEach(function (value) { if (value !== null && value > highest) highest = value; });
    });
    var step = niceStep(highest * 1.05, 5);
    var top = Math.max(Math.ceil(highest * 1.05 / step), 1) * step;
    var start = times.length ? times[0] : Date.now() / 1000;
    var span = times.length > 1 ? Math.max(times[times.length - 1] - start, 1) : 1;
    function x(second) { return LEFT + (second - start) / span * plotWidth; }
    function y(value) { return TOP + plotHeight - value / top * plotHeight; }
    for (var value = 0; value <= top + step / 2; value += step) {
      element("line", { x1: LEFT, x2: width - RIGHT, y1: y(value), y2: y(value), stroke: colors.split }, svg);
      text((Math.round(value * 100) / 100).toLocaleString("en-US"), { x: LEFT - 8, y: y(value) + 4, fill: colors.label,
        "text-anchor": "end" }, svg);
    }
    element("line", { x1: LEFT, x2: width - RIGHT, y1: TOP + plotHeight, y2: TOP + plotHeight,
      stroke: colors.axis }, svg);
    (times.length ? timeTicks(start, start + span, width < 900 ? 2 : 7) : []).forEach(function (second) {
      element("line", { x1: x(second), x2: x(second), y1: TOP + plotHeight, y2: TOP + plotHeight + 5,
        stroke: colors.axis }, svg);
      text(new Date(second * 1000).toLocaleTimeString(), { x: x(second), y: TOP + plotHeight + 20,
        fill: colors.label, "text-anchor": "middle" }, svg);
    });
    lines.forEach(function (line) {
      var segments = [], current = [];
      line.values.forEach(function (value, index) {
        if (value === null || value === undefined) {
          if (current.length) segments.push(current);
          current = [];
        } else {
          current.push(x(times[index]).toFixed(1) + "," + y(value).toFixed(1));
        }
      });
      if (current.length) segments.push(current);
      var series = element("g", { "data-series": line.name }, svg);
      segments.forEach(function (points) {
        element("polyline", { fill: "none", stroke: line.color, "stroke-width": 2, "stroke-linejoin": "round",
          points: points.join(" ") }, series);
        if (times.length <= 60 || points.length === 1) {  // a lone sample shows as its symbol
          points.forEach(function (point) {
            var xy = point.split(",");
            element("circle", { cx: xy[0], cy: xy[1], r: 2, fill: colors.background, stroke: line.color }, series);
          });
        }
      });
    });
    hover(box, svg, times, lines, x, TOP, plotHeight, colors);
    return box;
  }

  // Locust's axis tooltip: a line at the nearest sample, the time, then each series' value.
  function hover(box, svg, times, lines, x, top, plotHeight, colors) {
    if (!times.length) return;
    box.style.position = "relative";
    var pointer = element("line", { y1: top, y2: top + plotHeight, stroke: "#b9bec9", visibility: "hidden" }, svg);
    var tip = document.createElement("div");
    tip.style.cssText = "position:absolute;pointer-events:none;display:none;padding:10px;border-radius:4px;" +
      "font:14px sans-serif;box-shadow:rgba(0,0,0,0.2) 1px 2px 10px;white-space:nowrap;z-index:1;" +
      "background:" + colors.background + ";color:" + colors.text;
    box.appendChild(tip);
    svg.addEventListener("mousemove", function (event) {
      var bounds = svg.getBoundingClientRect(), mouse = event.clientX - bounds.left, nearest = 0;
      times.forEach(function (second, index) {
        if (Math.abs(x(second) - mouse) < Math.abs(x(times[nearest]) - mouse)) nearest = index;
      });
      pointer.setAttribute("x1", x(times[nearest]));
      pointer.setAttribute("x2", x(times[nearest]));
      pointer.setAttribute("visibility", "visible");
      tip.replaceChildren(document.createTextNode(new Date(times[nearest] * 1000).toLocaleString()));
      lines.forEach(function (line) {
        var value = line.values[nearest], row = document.createElement("div");
        row.style.color = line.color;
        row.textContent = line.name + ": " + (value === null || value === undefined ? "-" : Math.round(value * 1000) / 1000);
        tip.appendChild(row);
      });
      tip.style.display = "block";
      var left = x(times[nearest]) + 16;
      tip.style.left = (left + tip.offsetWidth > bounds.width ? x(times[nearest]) - tip.offsetWidth - 16 : left) + "px";
      tip.style.top = Math.max(event.clientY - bounds.top - tip.offsetHeight / 2, 0) + "px";
    });
    svg.addEventListener("mouseleave", function () {
      pointer.setAttribute("visibility", "hidden");
      tip.style.display = "none";
    });
  }

  function colored(lines, colors) {
    return lines.map(function (line, index) {
      line.color = (colors || PALETTE)[index % (colors || PALETTE).length];
      return line;
    });
  }

  // Every chart of a ``ChartsSummary`` (metrics/summary_types.py) into ``container``, replacing it.
  function draw(container, charts) {
    var width = Math.max(container.clientWidth || 0, 320);
    var times = charts.time;
    var open = [{ name: "total", values: charts.open_connections }];
    Object.keys(charts.workers).forEach(function (worker) {
      open.push({ name: worker, values: charts.workers[worker] });
    });
    var drawn = [
      lineChart("Open connections", times, colored(open, ["#0099ff"].concat(PALETTE)), width),
      lineChart("Messages per second", times, colored([
        { name: "in", values: charts.messages_in_per_s }, { name: "out", values: charts.messages_out_per_s }
      ], ["#00ca5a", "#ff9f00"]), width),
      lineChart("Bytes per second", times, colored([
        { name: "in", values: charts.bytes_in_per_s }, { name: "out", values: charts.bytes_out_per_s }
      ], ["#00ca5a", "#ff9f00"]), width)
    ];
    Object.keys(charts.latency).forEach(function (kind) {
      drawn.push(lineChart("Latency of " + kind + " (ms)", times, colored([
        { name: "p50", values: charts.latency[kind].p50_ms }, { name: "p99", values: charts.latency[kind].p99_ms }
      ], ["#ff9f00", "#9966CC"]), width));
    });
    container.replaceChildren.apply(container, drawn);
  }

  // The web UI: below the tab's table, redrawn from /ws/charts every 2 s while the tab is open.
  function followTab() {
    var busy = false, mouse = null;
    document.addEventListener("mousemove", function (event) { mouse = event; });
    // A redraw replaces the charts: the one under the mouse gets its tooltip back at once.
    function restoreHover() {
      var under = mouse && document.elementFromPoint(mouse.clientX, mouse.clientY);
      var svg = under && under.closest && under.closest("#locust-ws-charts svg");
      if (svg) svg.dispatchEvent(new MouseEvent("mousemove", { clientX: mouse.clientX, clientY: mouse.clientY }));
    }
    var fetched = 0;
    // Every 0.5 s: charts placed under the table as soon as the tab shows it, new data every 2 s.
    function poll() {
      if (busy || new URLSearchParams(window.location.search).get("tab") !== "websockets") return;
      var table = document.querySelector(".MuiTableContainer-root") || document.querySelector("table");
      if (!table) return;
      var container = document.getElementById("locust-ws-charts");
      if (container && container.previousElementSibling === table && Date.now() - fetched < 2000) return;
      if (!container || container.previousElementSibling !== table) {
        if (container) container.remove();
        container = document.createElement("div");
        container.id = "locust-ws-charts";
        container.style.marginTop = "24px";
        table.after(container);
      }
      busy = true;
      fetched = Date.now();
      fetch("./ws/charts").then(function (response) { return response.json(); }).then(function (charts) {
        draw(container, charts);
        restoreHover();
      }).catch(function () {}).finally(function () { busy = false; });
    }
    setInterval(poll, 500);
  }

  // Locust's tables and headings: their classes, so ours take Locust's (MUI) styles.
  function restyle(section, heading) {
    var table = document.querySelector("#root table");
    section.querySelectorAll("h2").forEach(function (node) { node.className = heading.className; });
    if (!table) return;
    var container = table.closest(".MuiTableContainer-root");
    var head = table.querySelector("thead tr"), cell = table.querySelector("th"), bodyRow = table.querySelector("tbody tr");
    var bodyCell = table.querySelector("tbody td");
    section.querySelectorAll("table").forEach(function (ours) {
      ours.className = table.className;
      ours.querySelectorAll("thead tr").forEach(function (node) { if (head) node.className = head.className; });
      ours.querySelectorAll("th").forEach(function (node) { if (cell) node.className = cell.className; });
      ours.querySelectorAll("tbody tr").forEach(function (node) { if (bodyRow) node.className = bodyRow.className; });
      ours.querySelectorAll("td").forEach(function (node) { if (bodyCell) node.className = bodyCell.className; });
      if (container && !ours.parentElement.classList.contains("MuiTableContainer-root")) {
        var wrapper = document.createElement("div");
        wrapper.className = container.className;
        ours.before(wrapper);
        wrapper.appendChild(ours);
      }
    });
  }

  // The report: the section moves among Locust's own, right after its "Charts", once rendered.
  function placeInReport(section) {
    var data = section.querySelector("script[type='application/json']");
    var tries = 0;
    var timer = setInterval(function () {
      var headings = Array.prototype.slice.call(document.querySelectorAll("#root h2"));
      var charts = headings.filter(function (node) { return node.textContent === "Charts"; })[0];
      if (charts || ++tries > 100) {
        clearInterval(timer);
        if (charts) {
          charts.parentElement.after(section);
          restyle(section, charts);
        }
        if (data) draw(section.querySelector("#locust-ws-charts"), JSON.parse(data.textContent));
      }
    }, 100);
  }

  var section = document.getElementById("locust-ws");
  if (section) placeInReport(section);
  else followTab();
})();

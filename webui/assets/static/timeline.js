// The live part of the timeline: new decisions arrive as server-sent
// events, each the row's HTML as the server draws it, newest on top.
"use strict";
(function () {
  var rows = document.getElementById("rows");
  var live = document.getElementById("live");
  if (!rows || !window.EventSource) { return; }
  var source = new EventSource(rows.getAttribute("data-stream"));
  source.onopen = function () { live.textContent = "Newest first. Live: new decisions appear at the top."; };
  source.onerror = function () { live.textContent = "Newest first. Live updates paused; reconnecting."; };
  source.onmessage = function (e) {
    var msg = JSON.parse(e.data);
    if (document.getElementById("d" + msg.id)) { return; }
    var empty = document.getElementById("empty");
    if (empty) { empty.remove(); }
    var tpl = document.createElement("template");
    tpl.innerHTML = msg.html;
    var row = tpl.content.firstElementChild;
    row.setAttribute("data-received", String(Date.now()));
    row.classList.add("new");
    rows.insertBefore(row, rows.firstChild);
  };
})();

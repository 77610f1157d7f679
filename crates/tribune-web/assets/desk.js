// The article editor in /redactie: autosave, live preview, topic suggestions, photo upload
// and the related-article picker. The form works without this script (Opslaan posts it).
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var $ = function (id) { return document.getElementById(id); };

  function fields() {
    // The file input has no name, so the photo itself is never part of the fields.
    return new URLSearchParams(new FormData(form));
  }
  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // --- Autosave: every few seconds while something changed, and when the tab is left.
  var dirty = false, saving = false, leaving = false;
  var state = $("autosave-state");
  var url = form.dataset.autosave;
  function show(text, bad) {
    state.textContent = text;
    state.classList.toggle("bad", !!bad);
  }
  function autosave() {
    if (!dirty || saving || leaving) return;
    saving = true;
    dirty = false;
    fetch(url, { method: "POST", body: fields(), credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (j) {
        // Counted, so a test (or a curious writer) can tell one autosave from the next.
        state.dataset.saves = String(Number(state.dataset.saves || 0) + 1);
        show("Automatisch bewaard om " + j.time);
      })
      .catch(function () {
        dirty = true;
        show("Niet automatisch bewaard: geen verbinding. We proberen het opnieuw.", true);
      })
      .finally(function () { saving = false; });
  }
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  setInterval(autosave, 3000);
  function flush() {
    if (dirty && !leaving && navigator.sendBeacon) {
      if (navigator.sendBeacon(url, fields())) dirty = false;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);
  form.addEventListener("submit", function () { leaving = true; });

  // --- Live preview of the body, rendered and cleaned by the server as on save.
  var preview = $("voorbeeld");
  var renderPreview = function () {
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    body.set("tekst", $("tekst").value);
    fetch("/redactie/voorbeeld", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j) preview.innerHTML = j.html; })
      .catch(function () {});
  };
  $("tekst").addEventListener("input", debounce(renderPreview, 400));
  renderPreview();

  // --- Topic suggestions from title, lead and body; the writer confirms each one.
  var box = $("suggesties");
  function topicBox(id) {
    return form.querySelector('input[name=onderwerp][value="' + id + '"]');
  }
  function suggest() {
    fetch("/redactie/suggesties", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: $("titel").value, lead: $("inleiding").value, body: $("tekst").value })
    })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) {
        box.textContent = "";
        var open = list.filter(function (s) { var b = topicBox(s.topic_id); return b && !b.checked; });
        if (!open.length) return;
        var p = document.createElement("p");
        p.textContent = "Voorgesteld:";
        box.appendChild(p);
        open.forEach(function (s) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "suggestion " + s.confidence;
          b.dataset.topic = s.topic_id;
          b.textContent = "+ " + s.name + (s.confidence === "maybe" ? " ?" : "");
          b.title = "gevonden als \u201c" + s.first_text + "\u201d";
          b.addEventListener("click", function () {
            var c = topicBox(s.topic_id);
            if (c) { c.checked = true; dirty = true; }
            b.remove();
          });
          box.appendChild(b);
        });
        var sure = open.filter(function (s) { return s.confidence === "sure"; });
        if (sure.length > 1) {
          var all = document.createElement("button");
          all.type = "button";
          all.className = "suggestion all";
          all.textContent = "Alle zekere toevoegen";
          all.addEventListener("click", function () {
            sure.forEach(function (s) { var c = topicBox(s.topic_id); if (c) c.checked = true; });
            dirty = true;
            suggest();
          });
          box.appendChild(all);
        }
      })
      .catch(function () {});
  }
  var suggestSoon = debounce(suggest, 600);
  ["titel", "inleiding", "tekst"].forEach(function (id) { $(id).addEventListener("input", suggestSoon); });
  form.addEventListener("change", function (e) { if (e.target.name === "onderwerp") suggestSoon(); });
  suggest();

  // --- Photo upload: the server judges the bytes, strips metadata and makes the variants.
  var status = $("foto-status"), img = $("foto-voorbeeld"), drop = $("foto-weg");
  $("foto-opladen").addEventListener("click", function () {
    var file = $("foto-bestand").files[0];
    if (!file) { status.textContent = "Kies eerst een bestand."; return; }
    var data = new FormData();
    data.set("csrf", csrf);
    data.set("credit", $("foto_credit").value);
    data.set("caption", $("foto_bijschrift").value);
    data.set("file", file);
    status.textContent = "Bezig met opladen\u2026";
    fetch("/redactie/fotos", { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      })
      .then(function (res) {
        if (!res.ok) { status.textContent = res.j.detail || "Opladen mislukt."; return; }
        $("foto_pad").value = res.j.path;
        $("foto_breedte").value = res.j.width;
        $("foto_hoogte").value = res.j.height;
        img.src = res.j.src;
        img.hidden = false;
        drop.hidden = false;
        status.textContent = "Opgeladen (" + res.j.width + " \u00d7 " + res.j.height + ").";
        dirty = true;
      })
      .catch(function () { status.textContent = "Opladen mislukt: geen verbinding."; });
  });
  drop.addEventListener("click", function () {
    ["foto_pad", "foto_breedte", "foto_hoogte"].forEach(function (id) { $(id).value = ""; });
    img.hidden = true;
    drop.hidden = true;
    dirty = true;
  });

  // --- Related articles: search by title, pick, remove.
  var list = $("verwant-lijst"), found = $("verwant-gevonden");
  function addRelated(id, title) {
    if (form.querySelector('input[name=verwant][value="' + id + '"]')) return;
    var li = document.createElement("li");
    var h = document.createElement("input");
    h.type = "hidden"; h.name = "verwant"; h.value = id;
    li.appendChild(h);
    li.appendChild(document.createTextNode(title + " "));
    var rm = document.createElement("button");
    rm.type = "button"; rm.className = "remove"; rm.textContent = "weg"; rm.dataset.remove = "";
    li.appendChild(rm);
    list.appendChild(li);
    dirty = true;
  }
  list.addEventListener("click", function (e) {
    if (e.target.hasAttribute("data-remove")) { e.target.parentNode.remove(); dirty = true; }
  });
  $("verwant-zoek").addEventListener("input", debounce(function () {
    var q = $("verwant-zoek").value.trim();
    found.textContent = "";
    if (q.length < 2) return;
    fetch("/redactie/artikels/zoek?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        rows.forEach(function (row) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.textContent = row.title + " (" + row.status + ")";
          b.addEventListener("click", function () { addRelated(row.id, row.title); li.remove(); });
          li.appendChild(b);
          found.appendChild(li);
        });
      })
      .catch(function () {});
  }, 300));
})();

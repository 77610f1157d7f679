// Tribune's page script. Pages are the same for every reader (and cached); this adds what is
// personal (who is logged in, own votes, own comments waiting for a moderator, moderator
// buttons) from small JSON calls, and posts comments, votes and poll answers inline. Every
// form also works without it.
"use strict";

(function () {
  let me = null;

  function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (me && me.csrf) headers["X-CSRF-Token"] = me.csrf;
    return fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => {
      let data = null;
      try { data = await r.json(); } catch (_) { data = null; }
      return { ok: r.ok, status: r.status, data };
    });
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function problem(res) {
    return (res.data && res.data.detail) || "Er ging iets mis. Probeer het opnieuw.";
  }

  function showError(form, message) {
    let box = form.querySelector(".form-error");
    if (!box) {
      box = el("p", { class: "form-error", role: "alert" });
      form.appendChild(box);
    }
    box.textContent = message;
  }

  function clearError(form) {
    const box = form.querySelector(".form-error");
    if (box) box.remove();
  }

  // ---- who is reading ----

  function showAccount() {
    const slot = document.getElementById("account");
    if (!slot || !me || !me.account) return;
    slot.textContent = "";
    slot.appendChild(el("a", { href: "/account", class: "me" }, me.account.display_name));
    if (me.account.can_moderate) {
      slot.appendChild(document.createTextNode(" "));
      slot.appendChild(el("a", { href: "/moderatie" }, "Moderatie"));
    }
    const out = el("form", { method: "post", action: "/uitloggen", class: "logout" });
    out.appendChild(el("input", { type: "hidden", name: "csrf", value: me.csrf }));
    out.appendChild(el("button", { type: "submit" }, "Uitloggen"));
    slot.appendChild(out);
    for (const input of document.querySelectorAll('input[name="csrf"]')) {
      if (!input.value) input.value = me.csrf;
    }
    for (const hint of document.querySelectorAll(".comment-form .hint")) hint.remove();
  }

  // ---- comments ----

  const section = document.getElementById("reacties");
  const articleId = section && section.dataset.article;

  function countBy(n) {
    const count = section && section.querySelector("[data-count]");
    if (count) count.textContent = String(Math.max(0, Number(count.textContent) + n));
  }

  function pendingLabel(node, text) {
    const label = el("p", { class: "pending-note" }, text);
    node.insertBefore(label, node.firstChild);
  }

  // Inserts a comment fragment rendered by the server (already cleaned) where it belongs.
  function place(html, comment) {
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const node = holder.firstElementChild;
    if (!node) return null;
    const root = comment.root_id;
    if (root) {
      const rootNode = document.getElementById("reactie-" + root);
      const thread = rootNode && rootNode.closest(".thread");
      if (thread) {
        let replies = thread.querySelector(".replies");
        if (!replies) {
          replies = el("div", { class: "replies" });
          thread.appendChild(replies);
        }
        replies.appendChild(node);
        return node;
      }
    }
    const threads = section.querySelector(".threads");
    const empty = threads.querySelector(".empty");
    if (empty) empty.remove();
    const thread = el("div", { class: "thread" });
    thread.appendChild(node);
    threads.insertBefore(thread, threads.firstChild);
    return node;
  }

  function submitComment(form) {
    form.addEventListener("submit", (ev) => {
      if (!me || !me.account) return; // the server sends the reader to the login page
      ev.preventDefault();
      clearError(form);
      const text = form.querySelector("textarea[name=tekst]");
      const replyTo = form.querySelector("input[name=antwoord_op]");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const body = { body: text.value };
      if (replyTo && replyTo.value) body.reply_to = Number(replyTo.value);
      api("POST", "/api/v1/articles/" + articleId + "/comments", body)
        .then((res) => {
          if (!res.ok) {
            showError(form, problem(res));
            return;
          }
          const node = place(res.data.html, res.data.comment);
          if (res.data.status === "visible") {
            countBy(1);
          } else if (node) {
            pendingLabel(node, res.data.message);
          }
          if (res.data.status === "rejected") showError(form, res.data.message);
          text.value = "";
          if (form.classList.contains("inline-reply")) form.remove();
          if (node) {
            node.classList.add("mine");
            wire(node);
            node.scrollIntoView({ block: "nearest" });
          }
        })
        .catch(() => showError(form, "Geen verbinding. Je tekst staat er nog; probeer opnieuw."))
        .finally(() => { button.disabled = false; });
    });
  }

  function replyInline(link) {
    link.addEventListener("click", (ev) => {
      if (!me || !me.account) return;
      ev.preventDefault();
      const comment = link.closest("[data-comment]");
      const open = comment.querySelector(".inline-reply");
      if (open) { open.remove(); return; }
      const form = el("form", { method: "post", action: "/reacties/nieuw", class: "comment-form inline-reply" });
      form.appendChild(el("input", { type: "hidden", name: "artikel", value: articleId }));
      form.appendChild(el("input", { type: "hidden", name: "antwoord_op", value: comment.dataset.comment }));
      form.appendChild(el("input", { type: "hidden", name: "csrf", value: me.csrf }));
      const area = el("textarea", { name: "tekst", rows: "3", maxlength: "5000", required: "", "aria-label": "Jouw antwoord" });
      form.appendChild(area);
      form.appendChild(el("button", { type: "submit" }, "Plaats antwoord"));
      comment.appendChild(form);
      submitComment(form);
      area.focus();
    });
  }

  function voteInline(form) {
    form.addEventListener("submit", (ev) => {
      if (!me || !me.account) return;
      ev.preventDefault();
      const button = ev.submitter || form.querySelector("button");
      const id = form.closest("[data-comment]").dataset.comment;
      const wanted = Number(button.value);
      const current = Number(form.dataset.mine || 0);
      const value = current === wanted ? 0 : wanted;
      api("PUT", "/api/v1/comments/" + id + "/vote", { value }).then((res) => {
        if (!res.ok) {
          showError(form, problem(res));
          return;
        }
        form.querySelector(".up span").textContent = res.data.up;
        form.querySelector(".down span").textContent = res.data.down;
        markVote(form, value);
      });
    });
  }

  // A comment inserted after the page loaded gets the same inline reply and vote buttons.
  function wire(node) {
    const link = node.querySelector("a.reply");
    if (link) replyInline(link);
    const votes = node.querySelector("form.votes");
    if (votes) voteInline(votes);
  }

  function markVote(form, value) {
    form.dataset.mine = String(value);
    form.querySelector(".up").setAttribute("aria-pressed", value === 1 ? "true" : "false");
    form.querySelector(".down").setAttribute("aria-pressed", value === -1 ? "true" : "false");
  }

  function ownExtras() {
    const ids = [...section.querySelectorAll("[data-comment]")].map((n) => n.dataset.comment);
    api("GET", "/api/v1/articles/" + articleId + "/comments/mine?ids=" + ids.join(",")).then((res) => {
      if (!res.ok) return;
      for (const c of res.data.unlisted) {
        if (document.getElementById("reactie-" + c.id)) continue;
        const node = place(commentHtml(c), c);
        if (node) pendingLabel(node, c.status === "pending" ? "Wacht op goedkeuring door een moderator." : "");
      }
      for (const [id, value] of res.data.votes) {
        const form = document.querySelector("#reactie-" + id + " form.votes");
        if (form) markVote(form, value);
      }
    });
    const now = Date.now();
    for (const node of section.querySelectorAll("[data-author]")) {
      if (Number(node.dataset.author) !== me.account.id) continue;
      node.classList.add("mine");
      const time = node.querySelector("time");
      if (time && now - Date.parse(time.getAttribute("datetime")) < 10 * 60 * 1000) {
        const actions = node.querySelector(".actions");
        actions.appendChild(el("a", { href: "/reacties/" + node.dataset.comment + "/bewerken", class: "edit" }, "Bewerken"));
      }
    }
  }

  // A comment from JSON, built with text nodes; only `html` (cleaned by the server) is markup.
  function commentHtml(c) {
    const node = el("article", { class: "comment", id: "reactie-" + c.id, "data-comment": String(c.id) });
    const head = el("header");
    head.appendChild(el("strong", { class: "who" }, c.author_name));
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(el("time", { datetime: c.datetime }, c.time));
    node.appendChild(head);
    const text = el("div", { class: "text" });
    text.innerHTML = c.html;
    node.appendChild(text);
    return node.outerHTML;
  }

  function moderatorButtons() {
    for (const node of section.querySelectorAll("[data-comment]")) {
      const actions = node.querySelector(".actions");
      if (!actions) continue;
      const b = el("button", { type: "button", class: "mod-remove" }, "Verwijderen (moderator)");
      b.addEventListener("click", () => {
        api("POST", "/api/v1/moderation/comments/" + node.dataset.comment, {
          action: "remove",
          reason: "verwijderd vanaf de artikelpagina",
        }).then((res) => {
          if (res.ok) {
            node.classList.add("gone");
            node.querySelector(".text").textContent = "Verwijderd door een moderator.";
            countBy(-1);
          } else {
            showError(actions, problem(res));
          }
        });
      });
      actions.appendChild(b);
    }
  }

  // ---- polls ----

  function showResults(box, poll) {
    const form = box.querySelector("form.vote");
    if (form) form.remove();
    let list = box.querySelector("ol.results");
    if (list) list.remove();
    list = el("ol", { class: "results" });
    poll.options.forEach((o, i) => {
      const r = poll.results.options[i];
      const li = el("li", poll.my_vote === o.id ? { class: "mine" } : {});
      li.appendChild(el("span", { class: "label" }, o.label));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { class: "percent" }, r.percent + "%"));
      li.appendChild(el("meter", { min: "0", max: "100", value: String(r.percent) }));
      list.appendChild(li);
    });
    box.querySelector(".question").after(list);
    const total = box.querySelector(".total");
    if (total) total.textContent = poll.results.total + " stemmen" + (poll.closed ? " · gesloten" : "");
  }

  function poll(box) {
    const id = box.dataset.poll;
    api("GET", "/api/v1/polls/" + id).then((res) => {
      if (res.ok && res.data.results) showResults(box, res.data);
    });
    const form = box.querySelector("form.vote");
    if (!form) return;
    form.addEventListener("submit", (ev) => {
      if (!me || !me.account) return;
      ev.preventDefault();
      clearError(form);
      const chosen = form.querySelector("input[name=option]:checked");
      if (!chosen) return;
      api("POST", "/api/v1/polls/" + id + "/votes", { option_id: Number(chosen.value) }).then((res) => {
        if (res.ok) showResults(box, res.data);
        else showError(form, problem(res));
      });
    });
  }

  // ---- live ----
  // Server-Sent Events keep an open page up to date. EventSource reconnects by itself after
  // the delay the server gave (different per reader, so a restart is not met by all at
  // once) and says the last id it saw; every message replaces what it names, so one that
  // arrives twice shows nothing twice.

  function fragment(html) {
    const t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function follow(url, handlers) {
    let last = null;
    function open() {
      const u = new URL(url, location.href);
      if (last !== null) u.searchParams.set("since", last);
      const source = new EventSource(u);
      for (const [name, fn] of Object.entries(handlers)) {
        source.addEventListener(name, (ev) => {
          if (ev.lastEventId) last = ev.lastEventId;
          fn(JSON.parse(ev.data));
        });
      }
      source.addEventListener("reload", () => {
        source.close();
        location.reload();
      });
      source.onerror = () => {
        // Given up (the server answered with an error): try again ourselves, later.
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 2000 + Math.random() * 8000);
      };
    }
    open();
  }

  function matchHandlers(box) {
    const entries = box.querySelector("[data-entries]");
    return {
      board(d) {
        const board = box.querySelector("[data-scoreboard]");
        if (board) board.replaceWith(fragment(d.board));
        const timeline = box.querySelector("[data-timeline]");
        if (timeline) timeline.innerHTML = d.timeline;
        for (const p of box.querySelectorAll(".events [data-empty]")) p.remove();
      },
      entry(d) {
        const old = entries.querySelector('[data-entry="' + d.id + '"]');
        if (d.deleted) {
          if (old) old.remove();
          return;
        }
        const li = fragment(d.html);
        if (old) old.remove();
        // Pinned ones on top, then the newest (highest id) first.
        const before = [...entries.children].find(
          (n) => !n.hasAttribute("data-pinned") === !d.pinned && Number(n.dataset.entry) < d.id,
        ) || (d.pinned ? entries.querySelector(":scope > :not([data-pinned])") : null);
        if (before) before.before(li);
        else entries.append(li);
        for (const p of box.querySelectorAll(".liveblog [data-empty]")) p.remove();
      },
    };
  }

  function chipFor(c) {
    const a = el("a", { class: "live-chip", href: c.match, title: c.title }, c.text + " ");
    a.appendChild(el("span", { class: "minute" }, c.minute));
    return a;
  }

  function siteHandlers() {
    return {
      site(d) {
        for (const chip of document.querySelectorAll(".live-chip")) chip.remove();
        for (const c of d.chips) {
          for (const url of c.articles) {
            // Beside headlines and teasers; a link in an article's running text keeps its flow.
            for (const a of document.querySelectorAll('main a[href="' + url + '"]')) {
              if (!a.closest(".body")) a.after(chipFor(c));
            }
            if (location.pathname === url) {
              const h1 = document.querySelector("main h1");
              if (h1) h1.after(chipFor(c));
            }
          }
        }
        const ticker = document.querySelector(".ticker ol");
        for (const item of d.ticker.slice().reverse()) {
          if (ticker && !document.querySelector('.ticker a[href="' + item.url + '"]')) {
            const li = el("li", { class: "new" });
            li.appendChild(el("time", { datetime: item.datetime }, item.time));
            li.appendChild(document.createTextNode(" "));
            li.appendChild(el("a", { href: item.url }, item.title));
            li.appendChild(document.createTextNode(" "));
            li.appendChild(el("span", { class: "count" }, String(item.comments)));
            ticker.prepend(li);
          }
          for (const a of document.querySelectorAll('main a[href="' + item.url + '"]')) {
            const holder = a.closest("article.teaser, li");
            const count = holder && holder.querySelector(".count");
            if (count) count.textContent = String(item.comments);
          }
        }
      },
    };
  }

  function articleHandlers() {
    const count = section.querySelector("[data-count]");
    const shown = count ? Number(count.textContent) : 0;
    return {
      article(d) {
        if (count && d.comments > Number(count.textContent)) {
          count.textContent = String(d.comments);
          let note = section.querySelector(".new-comments");
          if (!note) {
            note = el("button", { type: "button", class: "new-comments" });
            note.addEventListener("click", () => location.reload());
            section.querySelector("h2").after(note);
          }
          const n = d.comments - shown;
          note.textContent = n === 1 ? "1 nieuwe reactie: toon" : n + " nieuwe reacties: toon";
        }
        const box = d.poll && document.querySelector('[data-poll="' + d.poll.id + '"]');
        const results = box && box.querySelector("ol.results");
        if (results) {
          results.querySelectorAll("li").forEach((li, i) => {
            const p = d.poll.percent[i];
            if (p === undefined) return;
            li.querySelector(".percent").textContent = p + "%";
            li.querySelector("meter").value = p;
          });
          const total = box.querySelector(".total");
          if (total) total.textContent = total.textContent.replace(/^\d+/, String(d.poll.total));
        }
      },
    };
  }

  // One connection per page: the match or article stream brings the site's news along.
  if (typeof EventSource === "function") {
    const match = document.querySelector("[data-live-match]");
    const wantsSite = document.querySelector('main a[href^="/nieuws/"], .ticker');
    const at = (path) => new URL(path, location.href);
    let url = null;
    let handlers = {};
    if (match) {
      url = at("/live/match/" + match.dataset.liveMatch);
      url.searchParams.set("since", match.dataset.liveSince);
      handlers = matchHandlers(match);
      // The live article's comment section: its counts come along.
      if (section && articleId) {
        url.searchParams.set("article", "1");
        Object.assign(handlers, articleHandlers());
      }
    } else if (section && articleId) {
      url = at("/live/article/" + articleId);
      handlers = articleHandlers();
    }
    if (wantsSite) {
      if (url) url.searchParams.set("site", "1");
      else url = at("/live/site");
      Object.assign(handlers, siteHandlers());
    }
    if (url) follow(url.href, handlers);
  }

  // ---- the moderation desk: select all, keyboard shortcuts ----
  // j/k move between queue items, x ticks the current one for the bulk form, a approves and
  // r rejects it (its own form's button). Without script the checkboxes and buttons work.

  function desk() {
    const items = Array.from(document.querySelectorAll(".desk article.queue-item"));
    const all = document.getElementById("select-all");
    if (all) {
      all.closest("label").hidden = false;
      all.addEventListener("change", () => {
        for (const box of document.querySelectorAll('input[name="ids"][form="bulk"]')) box.checked = all.checked;
      });
    }
    if (!items.length) return;
    let current = -1;
    function focusItem(i) {
      if (i < 0 || i >= items.length) return;
      if (current >= 0) items[current].classList.remove("current");
      current = i;
      items[i].classList.add("current");
      items[i].focus({ preventScroll: true });
      items[i].scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      const item = items[current];
      switch (e.key) {
        case "j": focusItem(current + 1); break;
        case "k": focusItem(Math.max(current - 1, 0)); break;
        case "x": {
          const box = item && item.querySelector('input[name="ids"]');
          if (box) box.checked = !box.checked;
          break;
        }
        case "a":
        case "r": {
          const action = e.key === "a" ? "approve" : "reject";
          const button = item && item.querySelector('form.moderate button[data-action="' + action + '"]');
          if (button) button.click();
          break;
        }
        default: return;
      }
      e.preventDefault();
    });
  }

  // ---- start ----

  api("GET", "/api/v1/me")
    .then((res) => {
      me = res.ok ? res.data : null;
      if (me && me.account) showAccount();
      if (section && articleId) {
        for (const form of section.querySelectorAll("form.comment-form")) submitComment(form);
        for (const link of section.querySelectorAll("a.reply")) replyInline(link);
        for (const form of section.querySelectorAll("form.votes")) voteInline(form);
        if (me && me.account) {
          ownExtras();
          if (me.account.can_moderate) moderatorButtons();
        }
      }
      for (const box of document.querySelectorAll("[data-poll]")) poll(box);
    })
    .catch(() => {});
  if (document.querySelector(".desk")) desk();
})();

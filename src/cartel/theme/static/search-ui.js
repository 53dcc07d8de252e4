// cartel search UI, loaded by search.js only when wanted. Uses the pagefind.js API written in /pagefind/
// (no Pagefind UI bundle, no worker): results as you type in the header box, and the /recherche/ page
// with type and tag filters, "no result" suggestions and keyboard navigation.

const PER_PAGE = 10;
const IN_PANEL = 6;
const TYPE_ORDER = ["question", "resource", "page", "directory"];

const stringsReady = fetch("/_cartel/search-strings.json")
  .then((response) => (response.ok ? response.json() : {}))
  .catch(() => ({}));
// A large site's index is cut into shards (so a build re-indexes only the shards that changed):
// the main one is /pagefind/, the others are merged into it and share its script and WebAssembly.
const pagefindReady = import("/pagefind/pagefind.js").then(async (pagefind) => {
  await pagefind.options({ noWorker: true, excerptLength: 24 });
  const { merge_indexes: shards = [] } = await stringsReady;
  await Promise.all(shards.map((path) => pagefind.mergeIndex(path)));
  return pagefind;
});

/** Start the UI for this page: the search page, else the header box. */
export async function start() {
  const t = await stringsReady;
  const page = document.getElementById("search-page");
  let pagefind;
  try {
    pagefind = await pagefindReady;
  } catch (error) {
    const status = page ? document.getElementById("search-status") : null;
    if (status) status.textContent = t.search_unavailable || "";
    return;
  }
  if (page) searchPage(pagefind, t);
  else headerBox(pagefind, t);
}

// -- text helpers ---------------------------------------------------------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function decodeHtml(html) {
  const area = document.createElement("textarea");
  area.innerHTML = html;
  return area.value;
}

/** The words Pagefind marked in an excerpt: the forms of the query found in the text ("stratégie" for "strategie"). */
function markedWords(excerpt) {
  const words = new Set();
  for (const match of String(excerpt || "").matchAll(/<mark>(.*?)<\/mark>/g)) {
    words.add(decodeHtml(match[1]).replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""));
  }
  return [...words].filter((w) => w);
}

/** Plain text as HTML with each of `words` wrapped in <mark>. */
function highlight(text, words) {
  if (!words.length) return escapeHtml(text);
  const pattern = words.sort((a, b) => b.length - a.length).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const parts = String(text).split(new RegExp(`(${pattern})`, "giu"));
  return parts.map((part, i) => (i % 2 ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part))).join("");
}

/** Pagefind's excerpt rebuilt so that only its <mark> tags survive as markup. */
function safeExcerpt(excerpt) {
  return String(excerpt || "").split(/(<\/?mark>)/).map((part) => (
    part === "<mark>" || part === "</mark>" ? part : escapeHtml(decodeHtml(part))
  )).join("");
}

function fold(text) {
  return String(text || "").normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
}

/** Whether Pagefind's best result really matches the query: its typo tolerance can answer "Atom" with "à". */
function matchesQuery(data, q) {
  const words = q.split(/\s+/).map(fold).filter((w) => w.length >= 3);
  const marked = markedWords(data.excerpt).map(fold);
  if (!words.length || !marked.length) return true;
  return marked.some((m) => m.length >= 3 && words.some((w) => m.startsWith(w.slice(0, 3))));
}

/** Results worth showing: none when the best one is only a loose match. */
async function trustedResults(search, q) {
  if (!q || !search.results.length) return search.results;
  return matchesQuery(await search.results[0].data(), q) ? search.results : [];
}

function contains(text, words) {
  const folded = String(text || "").toLocaleLowerCase();
  return words.some((w) => folded.includes(w.toLocaleLowerCase()));
}

/** The note's summary when the match is in it or in the title, else Pagefind's excerpt around the match. */
function excerptHtml(data) {
  const summary = data.meta.summary || "";
  const words = markedWords(data.excerpt);
  if (summary && (!words.length || contains(summary, words) || contains(data.meta.title, words))) return highlight(summary, words);
  return safeExcerpt(data.excerpt) || escapeHtml(summary);
}

function typeLabel(t, type) {
  const labels = { question: t.type_question, resource: t.type_resource, page: t.type_page, directory: t.directory };
  return labels[type] || type || "";
}

function countText(t, n) {
  return n === 1 ? t.search_results_one : String(t.search_results_many || "{n}").replace("{n}", n.toLocaleString(document.documentElement.lang || undefined));
}

function searchUrl(q, params = {}) {
  const query = new URLSearchParams({ q });
  for (const [key, values] of Object.entries(params)) for (const value of values) query.append(key, value);
  return `/recherche/?${query}`;
}

// -- suggestions ----------------------------------------------------------

/** What to offer when a search finds nothing: dropping the filters, one of the words, or a close word. */
async function suggestion(pagefind, q, filtered) {
  if (filtered) {
    const unfiltered = await trustedResults(await pagefind.search(q), q);
    if (unfiltered.length) return { kind: "filters", count: unfiltered.length };
  }
  const words = q.split(/\s+/).filter(Boolean);
  if (words.length > 1) {
    let best = null;
    for (const word of words) {
      const found = await trustedResults(await pagefind.search(word), word);
      if (found.length && (!best || found.length > best.count)) best = { kind: "word", word, count: found.length };
    }
    if (best) return best;
  }
  // A mistyped word: the longest prefix that finds something, and the word Pagefind matched with it.
  const word = words.sort((a, b) => b.length - a.length)[0] || "";
  for (let n = word.length - 1; n >= 3; n--) {
    const prefix = fold(word.slice(0, n));
    const found = await pagefind.search(prefix);
    if (!found.results.length) continue;
    const marked = markedWords((await found.results[0].data()).excerpt).find((m) => fold(m).startsWith(prefix));
    if (marked) return { kind: "word", word: marked.toLocaleLowerCase(), count: found.results.length };
  }
  return null;
}

function noResultHtml(t, q, hint) {
  let html = `<p class="search-none">${escapeHtml(String(t.search_no_result || "").replace("{q}", q))}</p>`;
  if (hint && hint.kind === "filters") {
    html += `<p class="search-hint">${escapeHtml(String(t.search_without_filters || "").replace("{n}", hint.count))} `
      + `<button type="button" class="search-clear">${escapeHtml(t.search_clear_filters)}</button></p>`;
  } else if (hint && hint.kind === "word") {
    html += `<p class="search-hint">${escapeHtml(t.search_try)} <a class="search-suggestion" href="${escapeHtml(searchUrl(hint.word))}"`
      + ` data-word="${escapeHtml(hint.word)}">${escapeHtml(hint.word)}</a> (${escapeHtml(countText(t, hint.count))})</p>`;
  } else {
    html += `<p class="search-hint">${escapeHtml(t.search_browse)} <a href="/questions/">${escapeHtml(t.questions)}</a>, `
      + `<a href="/ressources/">${escapeHtml(t.resources)}</a>, <a href="/tags/">${escapeHtml(t.tags)}</a>.</p>`;
  }
  return html;
}

// -- the header box ---------------------------------------------------------

/** Results as you type under the header box: arrows to move, Enter to open, Escape to close. */
function headerBox(pagefind, t) {
  const box = document.getElementById("q");
  if (!box || !box.form) return;
  const form = box.form;
  const panel = document.createElement("div");
  panel.className = "search-panel";
  panel.hidden = true;
  panel.innerHTML = `<p class="search-panel-status" role="status" aria-live="polite"></p>`
    + `<ul class="search-panel-list" id="q-list" role="listbox" aria-label="${escapeHtml(t.search || "")}"></ul>`
    + `<div class="search-panel-foot"></div>`;
  form.appendChild(panel);
  const status = panel.querySelector(".search-panel-status");
  const list = panel.querySelector(".search-panel-list");
  const foot = panel.querySelector(".search-panel-foot");
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", "q-list");
  box.setAttribute("aria-expanded", "false");
  let active = -1;
  let latest = 0;

  const options = () => [...list.querySelectorAll("[role=option]")];
  function open(isOpen) {
    panel.hidden = !isOpen;
    box.setAttribute("aria-expanded", String(isOpen && options().length > 0));
    if (!isOpen) select(-1);
  }
  function select(index) {
    const all = options();
    active = Math.max(-1, Math.min(index, all.length - 1));
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      box.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  async function update() {
    const q = box.value.trim();
    const token = ++latest;
    if (!q) { list.innerHTML = ""; foot.innerHTML = ""; status.textContent = ""; open(false); return; }
    const search = await pagefind.debouncedSearch(q, {}, 200);
    if (search === null || token !== latest) return;
    const found = await trustedResults(search, q);
    const shown = await Promise.all(found.slice(0, IN_PANEL).map((r) => r.data()));
    if (token !== latest) return;
    list.innerHTML = shown.map((data, i) => {
      const words = markedWords(data.excerpt);
      return `<li role="none"><a role="option" id="q-option-${i}" aria-selected="false" href="${escapeHtml(data.url)}" tabindex="-1">`
        + `<span class="search-result-type">${escapeHtml(typeLabel(t, data.meta.type))}</span> `
        + `<span class="search-result-title">${highlight(data.meta.title || data.url, words)}</span>`
        + `<span class="search-result-excerpt">${excerptHtml(data)}</span></a></li>`;
    }).join("");
    status.textContent = found.length ? countText(t, found.length) : "";
    if (found.length) {
      foot.innerHTML = `<a class="search-see-all" href="${escapeHtml(searchUrl(q))}">${escapeHtml(t.search_see_all)} (${found.length})</a>`;
    } else {
      foot.innerHTML = noResultHtml(t, q, null);
      const hint = await suggestion(pagefind, q, false);
      if (token === latest && hint) foot.innerHTML = noResultHtml(t, q, hint);
    }
    active = -1;
    open(true);
  }

  box.addEventListener("input", update);
  box.addEventListener("focus", () => { if (box.value.trim()) update(); });
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (panel.hidden) { update(); return; }
      event.preventDefault();
      select(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && active >= 0 && !panel.hidden) {
      event.preventDefault();
      window.location.href = options()[active].href;
    } else if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      open(false);
    }
  });
  document.addEventListener("click", (event) => { if (!form.contains(event.target)) open(false); });
  form.addEventListener("focusout", (event) => { if (!form.contains(event.relatedTarget)) open(false); });
  if (box.value.trim()) update();
}

// -- the search page ----------------------------------------------------------

/** /recherche/?q=…&type=…&tag=…: results, filters by type and tag, more results, suggestions. */
async function searchPage(pagefind, t) {
  const input = document.getElementById("search-input");
  const status = document.getElementById("search-status");
  const results = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const filterBox = document.getElementById("search-filters");
  const params = new URLSearchParams(window.location.search);
  const chosen = { type: new Set(params.getAll("type")), tag: new Set(params.getAll("tag")) };
  input.value = params.get("q") || "";
  status.textContent = "";
  let latest = 0;
  let current = null;
  let shown = 0;

  const available = await pagefind.filters();
  buildFilters(available);

  function buildFilters(counts) {
    for (const key of ["type", "tag"]) {
      // Tags that only say a note's type ("question", "ressource") repeat the type filter.
      const values = Object.keys(counts[key] || {}).filter((value) => key !== "tag" || !typeTag(value));
      values.sort(key === "type" ? (a, b) => rank(a) - rank(b) : (a, b) => a.localeCompare(b, document.documentElement.lang || undefined));
      const fieldset = document.getElementById(`search-filter-${key}`);
      fieldset.hidden = values.length === 0;
      for (const value of values) {
        const label = document.createElement("label");
        label.className = "search-filter";
        label.innerHTML = `<input type="checkbox" name="${key}" value="${escapeHtml(value)}"${chosen[key].has(value) ? " checked" : ""}> `
          + `<span>${escapeHtml(key === "type" ? typeLabel(t, value) : `#${value}`)}</span> <span class="search-count" data-count="${escapeHtml(value)}"></span>`;
        fieldset.appendChild(label);
      }
    }
    filterBox.hidden = !Object.values(counts).some((values) => Object.keys(values).length);
    // On a phone the filters start folded, unless the link already chose some.
    if (window.matchMedia("(max-width: 47.99rem)").matches && !filtered()) filterBox.open = false;
  }
  function typeTag(tag) {
    const folded = tag.toLocaleLowerCase();
    return TYPE_ORDER.some((type) => folded === type || folded === String(typeLabel(t, type)).toLocaleLowerCase());
  }
  function rank(type) { const i = TYPE_ORDER.indexOf(type); return i < 0 ? TYPE_ORDER.length : i; }

  function filters() {
    const selected = {};
    for (const key of ["type", "tag"]) if (chosen[key].size) selected[key] = { any: [...chosen[key]] };
    return selected;
  }
  function filtered() { return chosen.type.size + chosen.tag.size > 0; }

  function remember(q) {
    const url = q || filtered() ? searchUrl(q, { type: [...chosen.type], tag: [...chosen.tag] }) : "/recherche/";
    window.history.replaceState(null, "", url);
  }

  function showCounts(totals) {
    for (const key of ["type", "tag"]) {
      for (const span of document.querySelectorAll(`#search-filter-${key} .search-count`)) {
        const n = totals && totals[key] ? totals[key][span.dataset.count] || 0 : null;
        span.textContent = n === null ? "" : `(${n})`;
      }
    }
  }

  async function run(debounce) {
    const q = input.value.trim();
    const token = ++latest;
    remember(q);
    if (!q && !filtered()) {
      results.innerHTML = ""; more.hidden = true; status.textContent = ""; showCounts(null); current = null;
      return;
    }
    const options = { filters: filters() };
    const search = debounce && q ? await pagefind.debouncedSearch(q, options, 200) : await pagefind.search(q || null, options);
    if (search === null || token !== latest) return;
    const found = await trustedResults(search, q);
    if (token !== latest) return;
    current = { q, found };
    showCounts(found.length ? search.totalFilters : null);
    results.innerHTML = "";
    shown = 0;
    if (!found.length) {
      status.textContent = "";
      results.innerHTML = `<li class="search-empty">${noResultHtml(t, q, null)}</li>`;
      const hint = q ? await suggestion(pagefind, q, filtered()) : null;
      if (token === latest && hint) results.innerHTML = `<li class="search-empty">${noResultHtml(t, q, hint)}</li>`;
      more.hidden = true;
      return;
    }
    status.textContent = countText(t, found.length);
    await showMore(token);
  }

  async function showMore(token) {
    const { found } = current;
    const batch = await Promise.all(found.slice(shown, shown + PER_PAGE).map((r) => r.data()));
    if (token !== latest) return;
    results.insertAdjacentHTML("beforeend", batch.map(resultHtml).join(""));
    shown += batch.length;
    more.hidden = shown >= found.length;
  }

  function resultHtml(data) {
    const words = markedWords(data.excerpt);
    return `<li class="search-result"><p class="search-result-type">${escapeHtml(typeLabel(t, data.meta.type))}</p>`
      + `<h2 class="search-result-title"><a href="${escapeHtml(data.url)}">${highlight(data.meta.title || data.url, words)}</a></h2>`
      + `<p class="search-result-excerpt">${excerptHtml(data)}</p></li>`;
  }

  const links = () => [...results.querySelectorAll(".search-result-title a")];
  input.addEventListener("input", () => run(true));
  input.form.addEventListener("submit", (event) => { event.preventDefault(); run(false); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && links().length) { event.preventDefault(); links()[0].focus(); }
  });
  results.addEventListener("keydown", (event) => {
    const all = links();
    const index = all.indexOf(document.activeElement);
    if (index < 0) return;
    if (event.key === "ArrowDown" && index < all.length - 1) { event.preventDefault(); all[index + 1].focus(); }
    else if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? all[index - 1] : input).focus(); }
    else if (event.key === "Escape") { event.preventDefault(); input.focus(); }
  });
  results.addEventListener("click", (event) => {
    if (event.target.closest(".search-clear")) { clearFilters(); return; }
    const suggested = event.target.closest(".search-suggestion");
    if (suggested) { event.preventDefault(); input.value = suggested.dataset.word; run(false); input.focus(); }
  });
  filterBox.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches("input[type=checkbox]")) return;
    if (box.checked) chosen[box.name].add(box.value); else chosen[box.name].delete(box.value);
    run(false);
  });
  more.addEventListener("click", async () => {
    const first = shown;
    await showMore(latest);
    const next = links()[first];
    if (next) next.focus();
  });

  function clearFilters() {
    chosen.type.clear();
    chosen.tag.clear();
    for (const box of filterBox.querySelectorAll("input[type=checkbox]")) box.checked = false;
    run(false);
  }

  document.documentElement.classList.add("search-ready");
  await run(false);
  if (!input.value) input.focus();
}

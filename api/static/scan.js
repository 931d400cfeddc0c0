/* ordipret — the scan page (templates/pages/scan.html), hand-written, no build step.

   Without this file the page still works: the field is a GET form, each action a POST form.
   With it, scans go to the JSON API (GET /api/v1/scan), actions are sent as JSON with the
   session cookie, and the page adds what a counter of laptops needs: the field always ready
   for the next scan, a flash and a beep, a spoken status, the last scans, the camera.
   The cards written here mirror the template's markup: change both together. */
(() => {
  "use strict";

  const root = document.getElementById("scan");
  if (!root || !window.fetch) return;

  const form = document.getElementById("scan-form");
  const field = document.getElementById("scan-code");
  const status = document.getElementById("scan-status");
  const result = document.getElementById("scan-result");
  const historyBox = document.getElementById("scan-history");
  const historyList = document.getElementById("scan-history-list");
  const historyEmpty = document.getElementById("scan-history-empty");
  const historyClear = document.getElementById("scan-history-clear");
  const muteBox = document.getElementById("scan-mute-box");
  const muteToggle = document.getElementById("scan-mute");
  const cameraButton = document.getElementById("scan-camera");
  const cameraBox = document.getElementById("scan-camera-box");
  const cameraHint = document.getElementById("scan-camera-hint");
  const video = document.getElementById("scan-video");
  const words = JSON.parse(root.dataset.words || "{}");

  const HISTORY_KEY = "ordipret.scan.history";
  const MUTE_KEY = "ordipret.scan.muted";
  const MAX_HISTORY = 20;
  const SHOWN = 60;
  const NEEDS = { asset: "Numéro d'inventaire ou de série de l'appareil" };
  const NEEDS_HINTS = { asset: "Scannez le code-barres du numéro de série collé sur l'appareil." };
  const OUTCOMES = { 404: "Introuvable", 409: "Plusieurs appareils" };
  const OFFLINE = "Le serveur ne répond pas : vérifiez la connexion, puis scannez de nouveau.";

  // --- Small helpers -------------------------------------------------------------------

  /** An element with attributes and children; text is always inserted as text, never HTML. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function storage(name) {
    try {
      return window[name];
    } catch {
      return null; // storage disabled by the browser's settings
    }
  }

  function stored(name, key, fallback) {
    try {
      const value = storage(name).getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback;
    }
  }

  function store(name, key, value) {
    try {
      storage(name).setItem(key, JSON.stringify(value));
    } catch {
      /* full or disabled: the page works without it */
    }
  }

  function shortened(text) {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length <= SHOWN ? flat : flat.slice(0, SHOWN - 1) + "…";
  }

  const stateWord = (code) => (words.states || {})[code] || code;
  // "prêté" comes from the open loan (asset.status); a loan not yet handed over says so.
  const statusWord = (asset) => {
    const word = stateWord(asset.status || asset.state);
    const loan = asset.loan;
    const waiting = loan && loan.state !== "active" && (words.loanStates || {})[loan.state];
    return waiting ? `${word} (${waiting})` : word;
  };
  const dateWord = (iso) => iso.split("-").reverse().join("/");
  const conditionWord = (code) => (words.conditions || {})[code] || code;

  // --- Spoken status, beep, flash ------------------------------------------------------

  let flip = false;
  function announce(message) {
    // Screen readers speak a change of text: the same message twice in a row must differ.
    flip = !flip;
    status.textContent = message + (flip ? "" : "\u00a0");
  }

  let muted = stored("localStorage", MUTE_KEY, false) === true;
  let audio = null;
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;

  function beep(found) {
    if (muted || !AudioContextClass) return;
    try {
      audio = audio || new AudioContextClass();
      if (audio.state === "suspended") audio.resume();
      const start = audio.currentTime;
      const length = found ? 0.12 : 0.35;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = found ? "sine" : "square";
      oscillator.frequency.value = found ? 1320 : 220; // high: found; low: not found
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + length + 0.02);
    } catch {
      /* no sound is no reason to fail a scan */
    }
  }

  if (AudioContextClass) {
    muteBox.hidden = false;
    muteToggle.checked = muted;
    muteToggle.addEventListener("change", () => {
      muted = muteToggle.checked;
      store("localStorage", MUTE_KEY, muted);
    });
  }

  function render(card) {
    card.classList.add("scan-flash"); // the animation runs once, as the card appears
    result.replaceChildren(result.querySelector("h2"), card);
  }

  // --- Cards (the same markup as templates/pages/scan.html) ----------------------------

  function outcomeLine(icon, text) {
    return el("p", { className: "scan-outcome" }, el("span", { className: "scan-icon", "aria-hidden": "true" }, icon), " " + text);
  }

  function feedbackLine(feedback) {
    const kind = feedback ? (feedback.ok ? " scan-feedback-ok" : " scan-feedback-error") : "";
    return el("p", { className: "scan-feedback" + kind, id: "scan-feedback" }, feedback ? feedback.text : "");
  }

  function csrfInput() {
    const token = document.querySelector('input[name="_csrf_token"]');
    return token ? el("input", { type: "hidden", name: token.name, value: token.value }) : null;
  }

  function hidden(name, value) {
    return el("input", { type: "hidden", name, value });
  }

  function needField(action, name) {
    const id = `scan-${action.action}-${name}`;
    const hintId = `scan-${action.action}-hint`;
    return el(
      "div",
      { className: "field" },
      el("label", { for: id }, NEEDS[name] || name),
      NEEDS_HINTS[name] ? el("p", { className: "hint", id: hintId }, NEEDS_HINTS[name]) : null,
      el("input", {
        type: "text",
        id,
        name,
        required: true,
        autocomplete: "off",
        spellcheck: "false",
        autocapitalize: "characters",
        "aria-describedby": NEEDS_HINTS[name] ? hintId : null,
      })
    );
  }

  function actionForm(action, data) {
    return el(
      "form",
      {
        method: "post",
        action: "/scan/action",
        className: `scan-action scan-action-${action.action}`,
        "data-action": action.action,
        "data-method": action.method,
        "data-href": action.href,
        "data-body": JSON.stringify(action.body || {}),
      },
      csrfInput(),
      hidden("action", action.action),
      data.asset ? hidden("tag", data.asset.tag) : null,
      data.unbound_code ? hidden("code", data.unbound_code) : null,
      (action.needs || []).map((name) => needField(action, name)),
      el("button", { type: "submit", className: "button" }, action.label)
    );
  }

  function actionsBlock(data) {
    const actions = data.actions || [];
    return el(
      "div",
      { className: "scan-actions" },
      actions.filter((a) => a.method !== "GET").map((a) => actionForm(a, data)),
      actions
        .filter((a) => a.method === "GET" && !a.href.startsWith("/api/"))
        .map((a) => el("a", { className: "button button-secondary", href: a.href }, a.label))
    );
  }

  function pageOf(data) {
    const view = (data.actions || []).find((a) => a.action === "view");
    return view ? view.href : "/appareils/" + encodeURIComponent(data.asset.tag);
  }

  function assetCard(data, feedback) {
    const asset = data.asset;
    const facts = [
      ["Numéro de série", asset.serial],
      ["Établissement", asset.establishment ? asset.establishment.name : "Stock régional"],
      ["État physique", conditionWord(asset.condition)],
    ];
    if (asset.location) facts.push(["Emplacement", asset.location.name]);
    if (asset.loan && asset.loan.class_name) facts.push(["Classe de l'élève", asset.loan.class_name]);
    if (asset.loan && asset.loan.due_on) facts.push(["À rendre le", dateWord(asset.loan.due_on)]);
    const card = el(
      "article",
      { className: "scan-card scan-card-found" },
      outcomeLine("✓", "Appareil trouvé " + ((words.matched || {})[data.matched] || "")),
      el("h3", { className: "scan-title" }, el("a", { href: pageOf(data) }, asset.tag)),
      el(
        "p",
        { className: "scan-model" },
        `${asset.model.manufacturer} ${asset.model.name} `,
        el("span", { className: `badge badge-${asset.status || asset.state}` }, statusWord(asset))
      ),
      el(
        "dl",
        { className: "scan-facts" },
        facts.map(([term, value]) => el("div", null, el("dt", null, term), el("dd", null, value)))
      ),
      feedbackLine(feedback),
      actionsBlock(data)
    );
    card.dataset.again = asset.tag;
    return card;
  }

  function blankCard(data, feedback) {
    const card = el(
      "article",
      { className: "scan-card scan-card-blank" },
      outcomeLine("+", "Étiquette vierge"),
      el("h3", { className: "scan-title" }, data.unbound_code),
      el(
        "p",
        null,
        "Cette étiquette n'est collée sur aucun appareil." +
          (data.actions.length ? " Associez-la à l'appareil qui la porte." : "")
      ),
      feedbackLine(feedback),
      actionsBlock(data)
    );
    card.dataset.again = data.unbound_code;
    return card;
  }

  function problemCard(answer) {
    return el(
      "article",
      { className: "scan-card scan-card-missing" },
      outcomeLine("✗", OUTCOMES[answer.status] || "Erreur"),
      el("p", { className: "scan-problem" }, problemDetail(answer)), // it quotes what was read
      answer.status === 401
        ? el("p", null, el("a", { href: "/connexion?suivant=/scan" }, "Se reconnecter"))
        : null
    );
  }

  function problemDetail(answer) {
    if (answer.body && typeof answer.body.detail === "string") return answer.body.detail;
    return answer.status ? `Erreur inattendue (code HTTP ${answer.status}).` : OFFLINE;
  }

  // --- Asking the API -----------------------------------------------------------------

  async function send(url, options) {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        ...options,
        headers: { Accept: "application/json", ...(options && options.headers) },
      });
      const body = await response.json().catch(() => null);
      return { ok: response.ok, status: response.status, body };
    } catch {
      return { ok: false, status: 0, body: null };
    }
  }

  const ask = (text) => send("/api/v1/scan?code=" + encodeURIComponent(text));

  let latest = 0; // the card shows the answer to the latest scan, whatever order answers come in

  async function lookup(text, { focus = true } = {}) {
    const turn = ++latest;
    const answer = await ask(text);
    remember(text, answer);
    if (turn === latest) show(answer, null, focus);
  }

  function show(answer, feedback, focus) {
    const data = answer.body || {};
    if (answer.ok && data.asset) {
      const asset = data.asset;
      render(assetCard(data, feedback));
      announce(
        feedback
          ? feedback.text
          : `${asset.tag} trouvé : ${asset.model.manufacturer} ${asset.model.name}, ${statusWord(asset)}.`
      );
      beep(true);
    } else if (answer.ok && data.unbound_code) {
      render(blankCard(data, feedback));
      const next = data.actions.length ? " : scannez maintenant le numéro de série de l'appareil." : ".";
      announce(`Étiquette vierge ${data.unbound_code}${next}`);
      beep(true);
      // At intake the next scan is the device's serial: it goes in the binding form.
      const need = result.querySelector(".scan-action input[type=text]");
      if (need && focus) {
        need.focus();
        return;
      }
    } else {
      render(problemCard(answer));
      announce(`${OUTCOMES[answer.status] || "Erreur"} : ${problemDetail(answer)}`);
      beep(false);
    }
    if (focus) field.focus();
  }

  // --- The field: a keyboard-wedge scanner types the code, then Enter ------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = field.value;
    field.value = "";
    field.removeAttribute("aria-invalid");
    const fieldBox = field.closest(".field");
    fieldBox.classList.remove("field-invalid");
    const error = document.getElementById("scan-code-error");
    if (error) {
      error.remove();
      field.setAttribute("aria-describedby", "scan-code-hint");
    }
    if (!text.trim()) {
      field.focus(); // an Enter on an empty field (a double Enter from a scanner): nothing to do
      return;
    }
    lookup(text);
  });

  const TEXT_INPUTS = /^(text|search|email|number|password|tel|url)$/;

  function typesText(element) {
    if (!element) return false;
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && TEXT_INPUTS.test(element.type);
  }

  // A scanner types as fast as it can: if the focus was left on a button or a link, the
  // first character brings it back to the field (Space and Enter keep working on buttons).
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.length !== 1 || event.key === " " || typesText(document.activeElement)) return;
    field.focus();
  });

  window.addEventListener("pageshow", () => field.focus());

  // --- One-tap actions -----------------------------------------------------------------

  function doneMessage(action, label, data) {
    if (!data.asset) return `« ${label} » : fait.`;
    if (action === "bind") return `Étiquette associée : elle désigne maintenant l'appareil ${data.asset.tag}.`;
    return `« ${label} » : fait. L'appareil ${data.asset.tag} est maintenant ${statusWord(data.asset)}.`;
  }

  result.addEventListener("submit", async (event) => {
    const actionForm = event.target.closest("form.scan-action");
    if (!actionForm) return;
    event.preventDefault();
    const card = actionForm.closest(".scan-card");
    const button = actionForm.querySelector("button[type=submit]");
    const label = button.textContent.trim();
    const body = JSON.parse(actionForm.dataset.body || "{}");
    for (const input of actionForm.querySelectorAll("input[type=text]")) {
      if (!input.value.trim()) {
        input.focus();
        setFeedback(card, { ok: false, text: `Remplissez le champ « ${input.labels[0].textContent} ».` });
        return;
      }
      body[input.name] = input.value.trim();
    }
    button.disabled = true;
    const answer = await send(actionForm.dataset.href, {
      method: actionForm.dataset.method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!answer.ok) {
      button.disabled = false;
      const detail = problemDetail(answer);
      setFeedback(card, { ok: false, text: detail });
      announce(`« ${label} » : échec. ${detail}`);
      beep(false);
      field.focus();
      return;
    }
    // Ask again what the device now is: its new state, and the actions that state allows.
    const again = card.dataset.again;
    const turn = ++latest;
    const fresh = await ask(again);
    if (turn !== latest) return;
    if (fresh.ok) {
      show(fresh, { ok: true, text: doneMessage(actionForm.dataset.action, label, fresh.body) }, true);
    } else {
      setFeedback(card, { ok: true, text: `« ${label} » : fait.` });
      announce(`« ${label} » : fait.`);
      field.focus();
    }
  });

  function setFeedback(card, feedback) {
    const line = card && card.querySelector(".scan-feedback");
    if (!line) return;
    line.textContent = feedback.text;
    line.classList.toggle("scan-feedback-ok", feedback.ok);
    line.classList.toggle("scan-feedback-error", !feedback.ok);
  }

  // Server-rendered cards (a page reached without JavaScript, or after a form) can be asked
  // again after an action, like those written here.
  const serverTitle = result.querySelector(".scan-card .scan-title");
  if (serverTitle) serverTitle.closest(".scan-card").dataset.again = serverTitle.textContent.trim();

  // --- The last scans, kept for this browser tab ---------------------------------------

  function remember(text, answer) {
    const data = answer.body || {};
    let entry;
    if (answer.ok && data.asset) {
      entry = {
        outcome: "found",
        title: data.asset.tag,
        href: pageOf(data),
        summary: `${data.asset.model.manufacturer} ${data.asset.model.name}, ${statusWord(data.asset)}`,
      };
    } else if (answer.ok && data.unbound_code) {
      entry = {
        outcome: "blank",
        title: data.unbound_code,
        href: "/scan?code=" + encodeURIComponent(data.unbound_code),
        summary: "étiquette vierge",
      };
    } else {
      entry = { outcome: "missing", title: `« ${shortened(text)} »`, href: "", summary: (OUTCOMES[answer.status] || "erreur").toLowerCase() };
    }
    entry.at = Date.now();
    const entries = [entry, ...stored("sessionStorage", HISTORY_KEY, [])].slice(0, MAX_HISTORY);
    store("sessionStorage", HISTORY_KEY, entries);
    renderHistory(entries);
  }

  function clock(at) {
    return new Date(at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function renderHistory(entries) {
    historyBox.hidden = false;
    historyEmpty.hidden = entries.length > 0;
    historyClear.hidden = entries.length === 0;
    historyList.replaceChildren(
      ...entries.map((entry) =>
        el(
          "li",
          { className: `scan-history-item scan-history-${entry.outcome}` },
          el("time", { datetime: new Date(entry.at).toISOString() }, clock(entry.at)),
          " ",
          entry.href ? el("a", { href: entry.href }, entry.title) : el("span", { className: "scan-history-title" }, entry.title),
          " ",
          el("span", { className: "scan-history-summary" }, entry.summary)
        )
      )
    );
  }

  historyClear.addEventListener("click", () => {
    store("sessionStorage", HISTORY_KEY, []);
    renderHistory([]);
    announce("Liste des derniers scans effacée.");
    field.focus();
  });

  const saved = stored("sessionStorage", HISTORY_KEY, []);
  renderHistory(Array.isArray(saved) ? saved : []);

  // --- The camera, where the browser reads QR codes itself -----------------------------

  let stream = null;
  let detector = null;
  let timer = 0;
  let detecting = false;
  let lastRead = "";
  let lastReadAt = 0;

  async function cameraAvailable() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
    try {
      return (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code");
    } catch {
      return false;
    }
  }

  async function detect() {
    if (detecting || !stream || video.readyState < 2) return;
    detecting = true;
    try {
      const codes = await detector.detect(video);
      const value = codes.length ? codes[0].rawValue : "";
      const now = Date.now();
      // A label held in front of the camera is read once, not four times a second.
      if (value && (value !== lastRead || now - lastReadAt > 3000)) lookup(value, { focus: false });
      if (value) {
        lastRead = value;
        lastReadAt = now;
      }
    } catch {
      /* a frame that cannot be read: try the next one */
    } finally {
      detecting = false;
    }
  }

  async function startCamera() {
    try {
      detector = detector || new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (error) {
      stream = null;
      const message =
        error && error.name === "NotAllowedError"
          ? "Accès à la caméra refusé : autorisez-le dans les réglages du navigateur, ou utilisez le champ."
          : "Caméra indisponible : utilisez le champ ou un lecteur.";
      cameraHint.textContent = message;
      cameraBox.hidden = false;
      announce(message);
      return;
    }
    video.srcObject = stream;
    cameraBox.hidden = false;
    cameraHint.textContent = "Présentez le QR de l'étiquette devant la caméra.";
    cameraButton.textContent = "Arrêter la caméra";
    await video.play().catch(() => {});
    announce("Caméra active : présentez le QR de l'étiquette.");
    timer = window.setInterval(detect, 250);
  }

  function stopCamera() {
    window.clearInterval(timer);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    cameraBox.hidden = true;
    cameraButton.textContent = "Scanner avec la caméra";
  }

  cameraAvailable().then((available) => {
    cameraButton.hidden = !available;
  });
  cameraButton.addEventListener("click", () => {
    if (AudioContextClass && !audio && !muted) audio = new AudioContextClass(); // a tap unlocks sound
    if (stream) stopCamera();
    else startCamera();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && stream) stopCamera();
  });
})();

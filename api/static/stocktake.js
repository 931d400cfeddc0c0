/* ordipret — the stocktake page: each scan goes to the JSON API, counts and lists update in
   place. Without this script the scanner form posts to the page, which redirects back.

   A keyboard-wedge scanner types the code then Enter, fast: the field is emptied at once and
   scans are sent one after the other, in order. The field keeps the focus: after each scan,
   and when a key is typed while nothing else has it. Rows are written with the same markup
   as the macros of templates/pages/stocktake_detail.html: change both together. */
(function () {
  "use strict";

  var form = document.getElementById("scanner");
  if (!form || !window.fetch || !window.Promise) {
    return;
  }
  var input = document.getElementById("code");
  var fieldError = document.getElementById("code-error");
  var message = document.getElementById("dernier-scan");
  var queue = Promise.resolve();

  function text(tag, value, attributes) {
    var node = document.createElement(tag);
    node.textContent = value;
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function parisTime(iso) {
    return new Date(iso).toLocaleString("fr-FR", {
      timeZone: "Europe/Paris",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit"
    }).replace(",", "");
  }

  function whenCell(iso, by) {
    var cell = document.createElement("td");
    cell.setAttribute("data-label", "Scanné le");
    cell.appendChild(text("time", parisTime(iso), { datetime: iso }));
    cell.appendChild(document.createTextNode(" par " + by));
    return cell;
  }

  function row(tag, cells) {
    var tr = document.createElement("tr");
    if (tag) {
      tr.setAttribute("data-tag", tag);
    }
    cells.forEach(function (cell) { tr.appendChild(cell); });
    return tr;
  }

  function foundRow(device) {
    var head = document.createElement("th");
    head.setAttribute("scope", "row");
    head.appendChild(text("a", device.tag, { href: "/appareils/" + encodeURIComponent(device.tag) }));
    return row(device.tag, [
      head,
      text("td", device.serial, { "data-label": "N° de série" }),
      text("td", device.model, { "data-label": "Modèle" }),
      whenCell(device.scanned_at, device.scanned_by)
    ]);
  }

  function unexpectedRow(device) {
    return row(device.tag, [
      text("th", device.tag, { scope: "row" }),
      text("td", device.model, { "data-label": "Modèle" }),
      text("td", device.reason, { "data-label": "Motif" }),
      whenCell(device.scanned_at, device.scanned_by)
    ]);
  }

  function unknownRow(result) {
    var head = document.createElement("th");
    head.setAttribute("scope", "row");
    head.appendChild(text("code", result.code));
    return row(null, [head, whenCell(result.at, result.by)]);
  }

  function refreshList(key) {
    var table = document.querySelector('[data-table="' + key + '"]');
    var rows = table.tBodies[0].rows.length;
    table.hidden = rows === 0;
    document.querySelector('[data-empty="' + key + '"]').hidden = rows !== 0;
    document.querySelector('[data-list-count="' + key + '"]').textContent = rows;
  }

  function prepend(key, tr) {
    var body = document.querySelector('[data-table="' + key + '"]').tBodies[0];
    body.insertBefore(tr, body.firstChild);
    refreshList(key);
  }

  function say(words, kind) {
    // The time makes each message new, so that the live region announces a repeated scan.
    var now = new Date().toLocaleTimeString("fr-FR", { timeZone: "Europe/Paris" });
    message.className = "stocktake-message stocktake-message-" + kind;
    message.textContent = now + " — " + words;
    message.hidden = false;
  }

  function fieldProblem(words) {
    fieldError.textContent = words;
    fieldError.hidden = !words;
    if (words) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "code-hint code-error");
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", "code-hint");
    }
  }

  function apply(result) {
    Object.keys(result.counts).forEach(function (key) {
      document.querySelectorAll('[data-count="' + key + '"]').forEach(function (cell) {
        cell.textContent = result.counts[key];
      });
    });
    if (result.outcome === "found") {
      var missing = document.querySelector('[data-table="missing"] tr[data-tag="' + CSS.escape(result.device.tag) + '"]');
      if (missing) {
        missing.remove();
        refreshList("missing");
      }
      prepend("found", foundRow(result.device));
    } else if (result.outcome === "unexpected") {
      prepend("unexpected", unexpectedRow(result.device));
    } else if (result.outcome === "unknown") {
      prepend("unknown", unknownRow(result));
    }
    say(result.message, result.outcome);
    if (navigator.vibrate && (result.outcome === "unexpected" || result.outcome === "unknown")) {
      navigator.vibrate(200);
    }
  }

  function refused(status, body) {
    if (status === 401) {
      say("Votre session a expiré : rechargez la page et reconnectez-vous.", "error");
      return;
    }
    var errors = (body && body.errors) || [];
    var onCode = errors.filter(function (e) { return e.field === "code"; })[0];
    if (onCode) {
      fieldProblem(onCode.detail);
      return;
    }
    say((body && body.detail) || "Le scan n'a pas été enregistré.", "error");
  }

  function send(code) {
    return fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code: code })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok) {
          apply(body);
        } else {
          refused(response.status, body);
        }
      });
    }).catch(function () {
      say("Le scan « " + code + " » n'a pas pu être envoyé : vérifiez la connexion et scannez à nouveau.", "error");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value;
    input.value = "";
    input.focus();
    if (!code.trim()) {
      fieldProblem("Code vide : scannez une étiquette ou saisissez un numéro.");
      return;
    }
    fieldProblem("");
    queue = queue.then(function () { return send(code); });
  });

  // A scanner types wherever the focus is: bring stray keystrokes back to the field, unless
  // another control has the focus (keyboard users must still reach links and buttons).
  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    var idle = !active || active === document.body || active.id === "contenu";
    if (idle && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      input.focus();
    }
  });
  // After a refused close, the close form is where the user is: its box takes the focus and
  // the form (its error beside the button) is brought into view, not the scan field above.
  var elsewhere = document.getElementById(form.getAttribute("data-focus-elsewhere") || "");
  if (elsewhere) {
    elsewhere.focus({ preventScroll: true });
    (elsewhere.closest("section") || elsewhere).scrollIntoView({ block: "center" });
  } else {
    input.focus();
  }
}());

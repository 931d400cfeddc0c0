/* ordipret — moving devices into a location by scanning them: each scan goes to the JSON API
   and the running list grows in place. Without this script the form posts to the page, which
   redirects back (templates/pages/location_move.html).

   As on the stocktake page: a keyboard-wedge scanner types the code then Enter, fast; the field
   is emptied at once and the scans are sent one after the other, in order. The field keeps the
   focus, and a key typed while nothing else has the focus goes to it. */
(function () {
  "use strict";

  var form = document.getElementById("scanner");
  if (!form || !window.fetch || !window.Promise) {
    return;
  }
  var input = document.getElementById("code");
  var fieldError = document.getElementById("code-error");
  var status = document.getElementById("move-status");
  var table = document.getElementById("moves");
  var empty = document.getElementById("moves-empty");
  var count = document.getElementById("moves-count");
  var queue = Promise.resolve();

  function text(tag, value, attributes) {
    var node = document.createElement(tag);
    node.textContent = value;
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function cell(label, node) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    td.appendChild(typeof node === "string" ? document.createTextNode(node) : node);
    return td;
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

  function say(message, isError) {
    status.hidden = false;
    status.textContent = message;
    status.classList.toggle("alert", Boolean(isError));
  }

  function fieldProblem(message) {
    fieldError.textContent = message;
    fieldError.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "code-hint code-error");
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", "code-hint");
    }
  }

  function addRow(move) {
    var body = table.tBodies[0];
    var previous = body.querySelector('tr[data-tag="' + CSS.escape(move.tag) + '"]');
    if (previous) {
      previous.remove();
    }
    var tr = document.createElement("tr");
    tr.setAttribute("data-tag", move.tag);
    var head = document.createElement("th");
    head.setAttribute("scope", "row");
    head.appendChild(text("a", move.tag, { href: "/appareils/" + encodeURIComponent(move.tag) }));
    tr.appendChild(head);
    tr.appendChild(cell("Modèle", move.model));
    tr.appendChild(cell("Venait de", move.before || "aucun emplacement"));
    tr.appendChild(cell("Rangé le", text("time", parisTime(move.at), { datetime: move.at })));
    tr.appendChild(cell("Par", move.by));
    body.insertBefore(tr, body.firstChild);
    table.hidden = false;
    empty.hidden = true;
    count.textContent = String(body.rows.length);
  }

  function done(move) {
    fieldProblem("");
    if (!move.moved) {
      say(move.tag + " est déjà rangé dans « " + move.after + " » : rien à faire.");
      return;
    }
    addRow(move);
    say(move.tag + " rangé dans « " + move.after + " »" +
      (move.before ? " (venait de « " + move.before + " »)." : "."));
  }

  function refused(code, status, body) {
    if (status === 401) {
      say("Votre session a expiré : rechargez la page et reconnectez-vous.", true);
      return;
    }
    var errors = (body && body.errors) || [];
    var onCode = errors.filter(function (e) { return e.field === "code"; })[0];
    if (onCode && status === 422) {
      fieldProblem(onCode.detail);
      return;
    }
    say("« " + code + " » : " + ((body && body.detail) || "l'appareil n'a pas été rangé."), true);
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
          done(body);
        } else {
          refused(code, response.status, body);
        }
      });
    }).catch(function () {
      say("« " + code + " » n'a pas pu être envoyé : vérifiez la connexion et scannez à nouveau.", true);
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
  input.focus();
}());

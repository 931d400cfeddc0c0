/* ordipret — the signature canvas of the signing pages.
   Pointer events (finger, pen, mouse), strokes smoothed through quadratic curves between
   midpoints, drawn at the screen's pixel density; « Effacer » starts again; on submit the
   drawing goes into the hidden field as a PNG data URL (white background, so that it prints).
   Without this script the pad stays hidden and the page's notice says to sign on paper. */
"use strict";

(function () {
  const pad = document.querySelector("[data-signature-pad]");
  if (!pad) return;
  const canvas = pad.querySelector("canvas");
  const field = pad.querySelector("[data-signature-value]");
  const state = pad.querySelector("[data-signature-state]");
  const form = pad.closest("form");
  const context = canvas.getContext("2d");
  let strokes = []; // each stroke: a list of points in CSS pixels
  let current = null;

  pad.hidden = false;
  const noScript = document.querySelector("[data-signature-nojs]");
  if (noScript) noScript.hidden = true;

  function resize() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    redraw();
  }

  function drawStroke(points) {
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#1b1b1b";
    context.beginPath();
    if (points.length === 1) {
      context.arc(points[0].x, points[0].y, 1.3, 0, 2 * Math.PI);
      context.fillStyle = "#1b1b1b";
      context.fill();
      return;
    }
    context.moveTo(points[0].x, points[0].y);
    for (let i = 1; i < points.length - 1; i += 1) {
      const middle = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
      context.quadraticCurveTo(points[i].x, points[i].y, middle.x, middle.y);
    }
    const last = points[points.length - 1];
    context.lineTo(last.x, last.y);
    context.stroke();
  }

  function redraw() {
    context.save();
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.restore();
    strokes.forEach(drawStroke);
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  function say(text) {
    if (state) state.textContent = text;
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    (events.length ? events : [event]).forEach((e) => current.push(point(e)));
    redraw();
  });
  function end() {
    if (!current) return;
    current = null;
    say("Signature dessinée.");
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  pad.querySelector("[data-signature-clear]").addEventListener("click", () => {
    strokes = [];
    field.value = "";
    redraw();
    say("Cadre effacé.");
    canvas.focus();
  });

  form.addEventListener("submit", () => {
    field.value = strokes.length ? canvas.toDataURL("image/png") : "";
  });

  window.addEventListener("resize", resize);
  resize();
})();

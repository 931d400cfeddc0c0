/* ordipret — intake forms (templates/pages/intake_delivery.html, intake_device.html).

   Without this file the forms work: a keyboard-wedge scanner types the label then Enter
   (the form answers that the serial is missing and puts the focus there), then the serial
   then Enter. With it, Enter in the label field moves to the serial field instead, and
   where the browser reads barcodes itself (BarcodeDetector) the camera fills the field in
   turn: the label's QR code, then the serial's Code 128 or DataMatrix, then sends. */
(() => {
  "use strict";

  const form = document.querySelector("form.intake-form");
  if (!form) return;
  const label = form.querySelector("#code");
  const serial = form.querySelector("#serial");
  const status = document.getElementById("intake-status");
  if (!label || !serial) return;

  function announce(message) {
    if (status) status.textContent = message;
  }

  // The scanner ends each code with Enter: after the label, go to the serial.
  label.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (!label.value.trim()) return; // a double Enter from the scanner: nothing read yet
    serial.focus();
    serial.select();
    announce("Étiquette lue : scannez maintenant le numéro de série.");
  });

  // The serial's Enter sends the form, unless the label is still missing.
  serial.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || label.value.trim()) return;
    event.preventDefault();
    label.focus();
    announce("Scannez d'abord l'étiquette vierge.");
  });

  // --- The camera, where the browser reads barcodes itself ---------------------------

  const button = document.getElementById("intake-camera");
  const box = document.getElementById("intake-camera-box");
  const hint = document.getElementById("intake-camera-hint");
  const video = document.getElementById("intake-video");
  if (!button || !box || !video) return;
  const WANTED = ["qr_code", "code_128", "data_matrix"];
  let stream = null;
  let detector = null;
  let timer = 0;
  let busy = false;
  let lastRead = "";

  async function formats() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return [];
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      return WANTED.filter((format) => supported.includes(format));
    } catch {
      return [];
    }
  }

  function take(value) {
    if (!label.value.trim()) {
      label.value = value;
      serial.focus();
      announce("Étiquette lue : présentez maintenant le numéro de série.");
    } else if (!serial.value.trim() && value !== label.value) {
      serial.value = value;
      announce("Numéro de série lu : enregistrement.");
      stop();
      form.requestSubmit();
    }
  }

  async function detect() {
    if (busy || !stream || video.readyState < 2) return;
    busy = true;
    try {
      const codes = await detector.detect(video);
      const value = codes.length ? codes[0].rawValue : "";
      if (value && value !== lastRead) take(value); // a code held still is read once
      if (value) lastRead = value;
    } catch {
      /* an unreadable frame: the next one */
    } finally {
      busy = false;
    }
  }

  async function start(found) {
    try {
      detector = detector || new window.BarcodeDetector({ formats: found });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch {
      stream = null;
      box.hidden = false;
      hint.textContent = "Caméra indisponible : utilisez les champs ou une douchette.";
      return;
    }
    video.srcObject = stream;
    box.hidden = false;
    button.textContent = "Arrêter la caméra";
    await video.play().catch(() => {});
    timer = window.setInterval(detect, 250);
  }

  function stop() {
    window.clearInterval(timer);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    box.hidden = true;
    button.textContent = "Scanner avec la caméra";
  }

  formats().then((found) => {
    if (!found.length) return;
    button.hidden = false;
    button.addEventListener("click", () => (stream ? stop() : start(found)));
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && stream) stop();
  });
})();

// The preparation page of a document: asks the job's state every 2 s, moves the progress bar
// and its "n / N" text, and reloads the page (which then shows the link or the error) once the
// document is ready or has failed. Without this script, the page's own link refreshes it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var number = new Intl.NumberFormat("fr-FR");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
          return;
        }
        if (job.progress.total > 0) {
          bar.max = job.progress.total;
          bar.value = job.progress.done;
          bar.textContent = job.progress.done + " / " + job.progress.total;
          text.textContent = number.format(job.progress.done) + " / " + number.format(job.progress.total);
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();

// A background job's page (ledger export, ledger import) polls its status.json and moves its progress bar
// (no inline script: the CSP allows none). The page marks what to poll with data-job-status-url and, while the
// job still runs, data-job-running. When the job ends: a page with a download link shows it; any other page
// reloads, and the server says how the job ended.
(function () {
  const box = document.querySelector("[data-job-status-url]");
  if (!box || !("jobRunning" in box.dataset)) return;
  const bar = box.querySelector("[data-job=progress]");
  const status = box.querySelector("[data-job=status]");
  const link = box.querySelector("[data-job=download]");
  function poll() {
    fetch(box.dataset.jobStatusUrl, {credentials: "same-origin"}).then(r => r.json()).then(data => {
      bar.style.width = data.progress + "%";
      bar.textContent = data.progress + "%";
      bar.parentElement.setAttribute("aria-valuenow", data.progress);
      status.textContent = data.status_display;
      if (data.status === "queued" || data.status === "running") { setTimeout(poll, 1500); return; }
      if (!link) { window.location.reload(); return; }
      if (data.download_url) { link.href = data.download_url; link.classList.remove("d-none"); }
    }).catch(() => setTimeout(poll, 5000));
  }
  poll();
})();

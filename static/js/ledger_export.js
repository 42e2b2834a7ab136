// The ledger export page polls its status (moved out of the template: the CSP allows no inline script).
(function () {
  const box = document.getElementById("ledger-export");
  if (!box) return;
  const bar = box.querySelector("[data-testid=export-progress]");
  const status = box.querySelector("[data-testid=export-status]");
  const link = box.querySelector("[data-testid=export-download]");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(r => r.json()).then(data => {
      bar.style.width = data.progress + "%";
      bar.textContent = data.progress + "%";
      bar.parentElement.setAttribute("aria-valuenow", data.progress);
      status.textContent = data.status_display;
      if (data.download_url) { link.href = data.download_url; link.classList.remove("d-none"); return; }
      if (data.status !== "failed") setTimeout(poll, 1500);
    }).catch(() => setTimeout(poll, 5000));
  }
  if (link.classList.contains("d-none")) poll();
})();

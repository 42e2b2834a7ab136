// A ledger import running in the background: the page polls its status (no inline script: CSP).
(function () {
  const box = document.getElementById("ledger-import");
  if (!box) return;
  const bar = box.querySelector("[data-testid=import-progress]");
  const status = box.querySelector("[data-testid=import-status]");
  const cancel = box.querySelector("[data-testid=import-cancel-form]");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(r => r.json()).then(data => {
      bar.style.width = data.progress + "%";
      bar.textContent = data.progress + "%";
      bar.parentElement.setAttribute("aria-valuenow", data.progress);
      status.textContent = data.status_display;
      if (data.status === "queued" || data.status === "running") { setTimeout(poll, 1500); return; }
      window.location.reload();  // done, failed or cancelled: the page says which
    }).catch(() => setTimeout(poll, 5000));
  }
  if (!cancel.classList.contains("d-none")) poll();
})();

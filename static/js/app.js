// Behaviour that used to sit in inline handlers: the Content-Security-Policy allows no inline script.
document.addEventListener("change", (event) => {
  const el = event.target;
  // <select data-autosubmit>: submit its form when the choice changes (the language switch).
  if (el.matches("[data-autosubmit]") && el.form) el.form.submit();
  // <input type="checkbox" data-check-all=".pick">: tick or untick every matching box.
  if (el.matches("[data-check-all]")) {
    document.querySelectorAll(el.dataset.checkAll).forEach((box) => { box.checked = el.checked; });
  }
});

// Counsellor pages: small keyboard and display helpers. Everything works without them.
(function () {
  "use strict";

  // Print button on the client card.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Enter on a radio button or checkbox saves the form, as it does in a text field;
  // Ctrl+Enter saves from anywhere, the notes included.
  document.querySelectorAll("form[data-enter-submits]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter") { return; }
      if (event.ctrlKey || event.metaKey || (target instanceof HTMLInputElement &&
          (target.type === "radio" || target.type === "checkbox"))) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  });

  // Risk-awareness questions: open or closed as the counsellor last left them, remembered
  // in this browser only (localStorage holds "1" or "0", nothing about any client). The
  // page opens the block itself when it holds answers or an error; that is not a choice
  // and is not remembered, and a remembered "closed" never hides answers or an error.
  var AWARENESS_KEY = "mrc.awareness.open";
  function remembered() {
    try { return window.localStorage.getItem(AWARENESS_KEY); } catch (e) { return null; }
  }
  document.querySelectorAll("details.awareness").forEach(function (details) {
    var chosen = false;
    if (remembered() === "1") { details.open = true; }
    details.querySelector("summary").addEventListener("click", function () { chosen = true; });
    details.addEventListener("toggle", function () {
      if (!chosen) { return; }
      chosen = false;
      try { window.localStorage.setItem(AWARENESS_KEY, details.open ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  });

  // Follow-up attempt: show the outcome questions only when the client was reached.
  document.querySelectorAll(".attempt-form").forEach(function (form) {
    var sections = form.querySelectorAll("[data-when]");
    function update() {
      var chosen = form.querySelector(".reached-switch input:checked");
      sections.forEach(function (section) {
        section.hidden = !chosen || chosen.value !== section.getAttribute("data-when");
      });
    }
    form.querySelectorAll(".reached-switch input").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();

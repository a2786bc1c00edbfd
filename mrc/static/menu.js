// The site menu on a phone: the "Menu" button folds the navigation away and back.
// Without this script the button stays hidden and the navigation is shown (mrc.css).
(function () {
  "use strict";
  var button = document.querySelector("header.top .menu-toggle");
  var menu = document.getElementById("site-menu");
  if (!button || !menu) { return; }
  button.hidden = false;
  menu.parentElement.classList.add("foldable");
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      button.setAttribute("aria-expanded", "false");
      menu.classList.remove("open");
      button.focus();
    }
  });
})();

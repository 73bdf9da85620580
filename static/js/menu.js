// The site header on a phone: the "Trình đơn" button shows and hides the section list.
// The button comes hidden and app.css folds the list only inside a header marked .has-menu, so
// without this script (or on a wide screen, where the button is never shown) every link stays
// in view. Escape closes the open list and puts the focus back on the button.
(function () {
  "use strict";

  var button = document.querySelector(".site-header .menu-toggle");
  var list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!list) {
    return;
  }
  var header = button.closest(".site-header");

  function isOpen() {
    return button.getAttribute("aria-expanded") === "true";
  }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }

  button.addEventListener("click", function () {
    setOpen(!isOpen());
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isOpen() || event.defaultPrevented) {
      return;
    }
    var focused = document.activeElement;
    if (focused && focused !== document.body && !header.contains(focused)) {
      return; // Escape belongs to whatever has the focus elsewhere (a dialog, say)
    }
    setOpen(false);
    button.focus();
  });

  header.classList.add("has-menu");
  button.hidden = false;
}());

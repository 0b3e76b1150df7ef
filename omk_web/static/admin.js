// Organiser's cabinet: ask before irreversible actions (forms marked data-confirm). Works without it too.
"use strict";
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    }
  });
})();

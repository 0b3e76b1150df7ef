// ОМК Цифровые сервисы — progressive enhancement only: every page works without scripts.
"use strict";
(function () {
  // organisation switcher: submit on change
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
})();

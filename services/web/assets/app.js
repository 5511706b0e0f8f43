// Progressive enhancement only: every flow works without this file. A copy button is shown next to
// each element marked data-copy, and copies its text to the clipboard.
(function () {
  'use strict';
  document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var done = button.getAttribute('data-done');
        var label = button.textContent;
        if (done) {
          button.textContent = done;
          setTimeout(function () {
            button.textContent = label;
          }, 2000);
        }
      });
    });
  });
})();

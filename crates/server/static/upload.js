// Upload progress for the CSV import form (optional: without this script the
// form posts as usual). Sends the same multipart body with XMLHttpRequest,
// shows the bytes sent in the <progress> element, then shows the answer page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-progress]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var bar = document.getElementById(form.getAttribute("data-progress"));
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "document";
    if (bar) { bar.hidden = false; bar.value = 0; }
    xhr.upload.addEventListener("progress", function (e) {
      if (bar && e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
    });
    xhr.addEventListener("load", function () {
      var doc = xhr.response;
      if (doc && doc.body) {
        document.title = doc.title;
        document.body.replaceWith(document.importNode(doc.body, true));
      } else {
        form.submit();
      }
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  });
});

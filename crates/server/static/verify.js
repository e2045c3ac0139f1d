// VRS public verifier (/verify): decodes a photo or the camera's picture of a
// certificate's QR code(s) in the browser with jsQR (vendored, loaded only when
// needed), puts the text in the form and submits it; the server verifies. A PNG
// the browser cannot read is left for the server to decode. Nothing is stored.
"use strict";
(function () {
  function $(id) { return document.getElementById(id); }
  function status(text) { $("scan-status").textContent = text; }

  var loading = null;
  function decoder() {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/jsQR.js";
        s.onload = function () { resolve(window.jsQR); };
        s.onerror = function () { reject(new Error("jsQR")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  // SMART Health Card chunks ("shc:/2/3/...") are collected until all are read.
  var chunks = {};
  function accept(text) {
    var m = /^shc:\/(\d+)\/(\d+)\//i.exec(text);
    if (!m) { return text; }
    var n = parseInt(m[2], 10);
    chunks[m[1]] = text;
    var have = Object.keys(chunks).length;
    if (have < n) {
      status(n + "枚中" + have + "枚を読み取りました / read " + have + " of " + n + " QR codes");
      return null;
    }
    var all = [];
    for (var i = 1; i <= n; i++) { all.push(chunks[String(i)]); }
    chunks = {};
    return all.join("\n");
  }

  function decodeCanvas(jsQR, canvas) {
    var ctx = canvas.getContext("2d");
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
    return code ? code.data : null;
  }

  function done(text) {
    $("qr").value = text;
    status("読み取りました。確認しています… / read; verifying…");
    $("verify-form").submit();
  }

  function fromFile(file) {
    status("画像を読み取っています… / reading the image…");
    decoder().then(function (jsQR) {
      // A data: URL (the page's CSP allows images from 'self' and data: only).
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale);
          canvas.height = Math.round(img.height * scale);
          var ctx = canvas.getContext("2d");
          ctx.fillStyle = "#fff";
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
          var text = decodeCanvas(jsQR, canvas);
          if (text) {
            var all = accept(text);
            $("image").value = "";
            if (all) { done(all); }
          } else if (file.type === "image/png") {
            status("ブラウザで読めないため、サーバで読み取ります / the server will read this PNG");
          } else {
            status("QRコードが見つかりません / no QR code found");
          }
        };
        img.onerror = function () { status("画像を開けません / the image cannot be opened"); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    }).catch(function () { status("QR読み取り部品を読み込めません / the QR decoder did not load"); });
  }

  function scan() {
    var video = $("camera");
    decoder().then(function (jsQR) {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        status("QRコードをカメラに向けてください / point the camera at the QR code");
        var canvas = document.createElement("canvas");
        var stop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          video.hidden = true;
        };
        var tick = function () {
          if (video.readyState === video.HAVE_ENOUGH_DATA) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
            var text = decodeCanvas(jsQR, canvas);
            if (text) {
              var all = accept(text);
              if (all) { stop(); done(all); return; }
            }
          }
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    }).catch(function () { status("カメラを使えません / the camera is not available"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("image").addEventListener("change", function () {
      var f = $("image").files[0];
      if (f) { fromFile(f); }
    });
    if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      var b = $("camera-start");
      b.hidden = false;
      b.addEventListener("click", scan);
    }
  });
})();

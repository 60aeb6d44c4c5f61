// Passkeys for the account pages: buttons with data-passkey="login" or "register".
//
// Each button names two JSON endpoints: data-options-url (POST: the options for
// navigator.credentials.get()/create(), binary fields in base64url) and data-url (POST: the
// browser's answer). data-csrf is sent as X-CSRF-Token. A login button goes to data-next
// once signed in; a register button reads the passkey's name from the input whose id is
// data-name-input, then shows new recovery codes in #passkey-recovery-codes or reloads.
// Errors go to #passkey-status. No inline script: this file works under a strict CSP.
(function () {
  "use strict";

  function toBytes(value) {
    var text = value.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) text += "=";
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBuffers(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = withBuffers(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = withBuffers(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return out;
  }

  async function post(button, url, body) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (button.dataset.csrf) headers["X-CSRF-Token"] = button.dataset.csrf;
    var response = await fetch(url, {
      method: "POST",
      headers: headers,
      credentials: "same-origin",
      body: JSON.stringify(body || {})
    });
    var data = null;
    try { data = await response.json(); } catch (ignored) { data = null; }
    if (!response.ok) {
      throw new Error((data && data.detail) || "The server refused the passkey (" + response.status + ").");
    }
    return data;
  }

  function say(message) {
    var status = document.getElementById("passkey-status");
    if (!status) return;
    status.textContent = message || "";
    status.hidden = !message;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey request was cancelled or timed out.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This device already has a passkey for your account.";
    }
    return (error && error.message) || "Something went wrong with the passkey.";
  }

  async function login(button) {
    var options = await post(button, button.dataset.optionsUrl);
    var credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    await post(button, button.dataset.url, { credential: credentialJSON(credential) });
    window.location.assign(button.dataset.next || "/");
  }

  async function register(button) {
    var input = document.getElementById(button.dataset.nameInput || "");
    var name = (input && input.value.trim()) || "Passkey";
    var options = await post(button, button.dataset.optionsUrl);
    var credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    var result = await post(button, button.dataset.url, {
      credential: credentialJSON(credential),
      name: name
    });
    var codes = (result && result.recovery_codes) || [];
    var section = document.getElementById("passkey-recovery-codes");
    if (!codes.length || !section) {
      window.location.reload();
      return;
    }
    var list = section.querySelector("ol");
    codes.forEach(function (code) {
      var item = document.createElement("li");
      var text = document.createElement("code");
      text.textContent = code;
      item.appendChild(text);
      list.appendChild(item);
    });
    section.hidden = false;
    button.disabled = true;
  }

  function start() {
    var buttons = document.querySelectorAll("[data-passkey]");
    buttons.forEach(function (button) {
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        button.title = "This browser does not support passkeys.";
        return;
      }
      button.addEventListener("click", async function () {
        say("");
        button.disabled = true;
        try {
          if (button.dataset.passkey === "register") await register(button);
          else await login(button);
        } catch (error) {
          say(explain(error));
          button.disabled = false;
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

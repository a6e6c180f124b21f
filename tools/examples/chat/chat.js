// The chat page: plain browser JavaScript over the official Socket.IO client. It speaks only the
// rooms app's events (README.md, "The rooms app"), so it runs against `atrium --static` with the
// default client policy: `join`, `leave` and `rooms` with acks, and `emit` to one room with
// `self: true`, so that the sender's own message comes back from the server in the order every
// member of the room sees.
//
// Names are what each page says it is called: this demo has no accounts (a back end would vouch
// for names with tokens, README.md, "Atrium in front of your back end").
"use strict";

(() => {
  const EVENT = "chat message";
  const ACK_TIMEOUT_MS = 5000;
  const MAX_TEXT = 2000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    name: $("name"),
    joinForm: $("join-form"),
    roomInput: $("room-input"),
    rooms: $("rooms"),
    noRooms: $("no-rooms"),
    status: $("status"),
    title: $("room-title"),
    hint: $("room-members"),
    leave: $("leave"),
    messages: $("messages"),
    error: $("error"),
    sendForm: $("send-form"),
    input: $("message-input"),
    send: $("send"),
  };

  // room -> { messages: [{from, text, at, mine}], unread }; the rooms the server says we are in.
  const rooms = new Map();
  let active = null;
  const sentByMe = new Set(); // ids of the messages this page sent, to tell them apart

  // What a test reads besides the page (tests/browser/chat.test.mjs): every message this page
  // received, whichever room it claims, so that one delivered to a non-member shows up.
  window.atriumChat = { received: [] };

  const saved = localStorage.getItem("atrium-chat-name");
  ui.name.value = saved || `guest-${Math.floor(1000 + Math.random() * 9000)}`;
  ui.name.addEventListener("change", () => {
    ui.name.value = ui.name.value.trim() || "guest";
    localStorage.setItem("atrium-chat-name", ui.name.value);
  });

  // Same origin, default path (/socket.io/): the page is served by the server it talks to.
  const socket = io();

  function ask(event, ...args) {
    return socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args);
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function setStatus(state, text) {
    ui.status.dataset.state = state;
    ui.status.textContent = text;
  }

  // The rooms the server holds for this socket, its own-id room left out.
  async function refreshRooms() {
    const list = await ask("rooms");
    const names = (Array.isArray(list) ? list : []).filter((r) => r !== socket.id).sort();
    for (const name of names) if (!rooms.has(name)) rooms.set(name, { messages: [], unread: 0 });
    for (const name of [...rooms.keys()]) if (!names.includes(name)) rooms.delete(name);
    if (active && !rooms.has(active)) active = names[0] ?? null;
    render();
  }

  async function join(room) {
    showError("");
    try {
      const reply = await ask("join", room);
      if (!reply || !reply.ok) return showError(`Cannot join ${room}: ${reply?.error ?? "no answer"}`);
      active = room;
      await refreshRooms();
    } catch (e) {
      showError(`Cannot join ${room}: ${e.message}`);
    }
  }

  async function leave(room) {
    showError("");
    try {
      const reply = await ask("leave", room);
      if (!reply || !reply.ok) return showError(`Cannot leave ${room}: ${reply?.error ?? "no answer"}`);
      if (active === room) active = null;
      await refreshRooms();
    } catch (e) {
      showError(`Cannot leave ${room}: ${e.message}`);
    }
  }

  async function send(room, text) {
    const id = `${socket.id}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    sentByMe.add(id);
    const message = { id, room, from: ui.name.value, text };
    try {
      const reply = await ask("emit", { to: [room], event: EVENT, args: [message], self: true });
      if (!reply || !reply.ok) showError(`Not sent: ${reply?.error ?? "no answer"}`);
    } catch (e) {
      showError(`Not sent: ${e.message}`);
    }
  }

  socket.on(EVENT, (m) => {
    if (!m || typeof m.room !== "string" || typeof m.text !== "string") return;
    window.atriumChat.received.push({ room: m.room, from: String(m.from ?? ""), text: m.text });
    const room = rooms.get(m.room);
    if (!room) return; // a leave crossed it on the way
    room.messages.push({
      from: String(m.from ?? "").slice(0, 32) || "anonymous",
      text: m.text.slice(0, MAX_TEXT),
      at: new Date(),
      mine: sentByMe.delete(m.id),
    });
    if (m.room !== active) room.unread += 1;
    render();
  });

  socket.on("connect", async () => {
    setStatus("connected", `connected · ${socket.io.engine.transport.name}`);
    socket.io.engine.once("upgrade", (t) => setStatus("connected", `connected · ${t.name}`));
    // A new session after a lost connection is in no room: join again the ones this page had.
    const had = [...rooms.keys()];
    try {
      if (had.length) await ask("join", had);
      await refreshRooms();
    } catch (e) {
      showError(`After reconnecting: ${e.message}`);
    }
  });
  socket.on("disconnect", (reason) => setStatus("disconnected", `disconnected (${reason}), retrying…`));
  socket.on("connect_error", (e) => setStatus("disconnected", `cannot connect: ${e.message}`));

  ui.joinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const room = ui.roomInput.value.trim();
    if (!room) return;
    ui.roomInput.value = "";
    join(room);
  });

  ui.sendForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = ui.input.value.trim();
    if (!text || !active) return;
    ui.input.value = "";
    send(active, text);
  });

  ui.leave.addEventListener("click", () => { if (active) leave(active); });

  // A colour of its own for each name, the same on every page.
  function hue(name) {
    let h = 2166136261; // FNV-1a: similar names still get distant colours
    for (const ch of name) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
    return h % 360;
  }

  function time(d) {
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // Everything user-provided goes in as textContent, never as markup.
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderRooms() {
    ui.rooms.replaceChildren(...[...rooms.entries()].map(([name, room]) => {
      const li = el("li");
      const button = el("button", name === active ? "room-button active" : "room-button");
      button.type = "button";
      button.dataset.room = name;
      button.append(el("span", "hash", "#"), el("span", "room-name", name));
      if (room.unread > 0) button.append(el("span", "unread", String(room.unread)));
      button.addEventListener("click", () => { active = name; render(); });
      li.append(button);
      return li;
    }));
    ui.noRooms.hidden = rooms.size > 0;
  }

  function renderMessages() {
    const room = active && rooms.get(active);
    ui.title.textContent = room ? `# ${active}` : "Pick a room";
    ui.hint.textContent = room ? "only members of this room see what is written here" : "";
    ui.leave.hidden = !room;
    ui.input.disabled = ui.send.disabled = !room;
    ui.input.placeholder = room ? `Message #${active}` : "Join a room to write";
    ui.messages.dataset.room = room ? active : "";
    if (!room) return ui.messages.replaceChildren();
    room.unread = 0;
    const stick = ui.messages.scrollTop + ui.messages.clientHeight >= ui.messages.scrollHeight - 40;
    ui.messages.replaceChildren(...room.messages.map((m, i) => {
      const li = el("li", m.mine ? "message mine" : "message");
      // A run of messages from one sender shows its name and avatar once.
      if (i > 0 && room.messages[i - 1].from === m.from) li.classList.add("continued");
      const avatar = el("span", "avatar", [...m.from][0]?.toUpperCase() ?? "?");
      avatar.style.background = `hsl(${hue(m.from)} 55% 48%)`;
      const body = el("div", "body");
      const meta = el("div", "meta");
      meta.append(el("span", "from", m.from), el("time", "at", time(m.at)));
      body.append(meta, el("div", "text", m.text));
      li.append(avatar, body);
      return li;
    }));
    if (room.messages.length === 0)
      ui.messages.append(el("li", "empty", `No messages in #${active} yet. Say hello!`));
    if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function render() {
    renderMessages(); // first: it clears the active room's unread count
    renderRooms();
  }

  render();
})();

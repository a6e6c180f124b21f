// A chat with rooms, written against Atrium's public API only.
//
//   atrium-chat-example [port]
//
// Clients connect with `io(url, {auth: {name: "ada"}})` and emit:
//   "enter" (room, ack)        join a room; the room hears ("entered", room, name)
//   "say"   (room, text)       everyone else in the room gets ("said", room, name, text)
//   "whisper" (socketId, text) only that socket gets ("whispered", name, text)
//   "exit"  (room)             leave a room; the room hears ("exited", room, name)
// Nameless clients are refused with a CONNECT_ERROR.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "atrium/atrium.hpp"
#include "atrium/http_server.hpp"
#include "protocol/json.hpp"

namespace {

std::string name_of(const atrium::socket& s) {
  auto auth = atrium::protocol::parse_json(s.handshake().auth);
  if (!auth || !auth->IsObject() || !auth->HasMember("name") || !(*auth)["name"].IsString())
    return {};
  return (*auth)["name"].GetString();
}

bool text_args(atrium::event& ev, std::size_t n) {
  if (ev.size() < n)
    return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!ev[i].IsString())
      return false;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  atrium::server io;
  auto chat = io.of("/");

  chat.use([](const atrium::handshake& hs) -> std::optional<atrium::connect_refusal> {
    auto auth = atrium::protocol::parse_json(hs.auth);
    if (!auth || !auth->IsObject() || !auth->HasMember("name"))
      return atrium::connect_refusal{"a name is required: io(url, {auth: {name}})", {}};
    return std::nullopt;
  });

  chat.on_adapter_event([](const atrium::adapter_event& e) {
    if (e.type == atrium::adapter_event_type::create_room
        || e.type == atrium::adapter_event_type::delete_room)
      std::printf("room %s: %s\n", e.room.c_str(), atrium::to_string(e.type));
  });

  chat.on_connection([](atrium::socket& s) {
    auto name = name_of(s);
    s.on("enter", [&s, name](atrium::event& ev) {
      if (!text_args(ev, 1))
        return;
      std::string room = ev[0].GetString();
      s.join(room);
      s.to(room).emit("entered", {room, name});
      ev.ack(true);
    });
    s.on("say", [&s, name](atrium::event& ev) {
      if (text_args(ev, 2) && s.rooms().count(ev[0].GetString()) > 0)
        s.to(ev[0].GetString()).emit("said", {ev[0].GetString(), name, ev[1].GetString()});
    });
    s.on("whisper", [&s, name](atrium::event& ev) {
      if (text_args(ev, 2))
        s.to(ev[0].GetString()).emit("whispered", {name, ev[1].GetString()});
    });
    s.on("exit", [&s, name](atrium::event& ev) {
      if (!text_args(ev, 1))
        return;
      std::string room = ev[0].GetString();
      s.leave(room);
      s.to(room).emit("exited", {room, name});
    });
    s.on_disconnecting([&s, name](atrium::disconnect_reason) {
      // The rooms are still known here; after `disconnect` they are gone.
      for (auto& room : s.rooms())
        if (room != s.id())
          s.to(room).emit("exited", {room, name});
    });
  });

  atrium::net::server_options http_opts;
  if (argc > 1)
    http_opts.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  atrium::net::http_server http{http_opts, io};
  http.start();
  std::printf("chat listening on http://%s:%u\n", http_opts.host.c_str(), http.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  http.stop();
  io.shutdown();
}

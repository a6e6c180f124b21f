// A chat with rooms, written against Atrium's public API only.
//
//   atrium-chat-example [port [host]]
//
// Port 0 takes any free one; the line "chat listening on http://HOST:PORT" says which.
//
// Clients connect with `io(url, {auth: {name: "ada"}})` and emit:
//   "enter" (room, ack)        join a room; the room hears ("entered", room, name)
//   "say"   (room, text)       everyone else in the room gets ("said", room, name, text)
//   "whisper" (socketId, text) only that socket gets ("whispered", name, text)
//   "exit"  (room)             leave a room; the room hears ("exited", room, name)
// Nameless clients are refused with a CONNECT_ERROR.

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "atrium/atrium.hpp"

namespace {

/// The `name` of the CONNECT auth; nullopt when there is none (or it is not a string).
std::optional<std::string> name_of(const atrium::handshake& hs) {
  auto auth = atrium::parse_json(hs.auth);
  if (!auth || !auth->IsObject())
    return std::nullopt;
  auto it = auth->FindMember("name");
  if (it == auth->MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0)
    return std::nullopt;
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

} // namespace

int main(int argc, char** argv) {
  // SIGINT and SIGTERM are awaited by sigwait below; every thread started later inherits the mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  atrium::server io;

  io.use([](const atrium::handshake& hs) -> std::optional<atrium::connect_refusal> {
    if (!name_of(hs))
      return atrium::connect_refusal{"a name is required: io(url, {auth: {name}})", {}};
    return std::nullopt;
  });

  io.of("/").on_adapter_event([](const atrium::adapter_event& e) {
    if (e.type == atrium::adapter_event_type::create_room
        || e.type == atrium::adapter_event_type::delete_room)
      std::printf("room %s: %s\n", e.room.c_str(), atrium::to_string(e.type));
  });

  io.on_connection([](atrium::socket& s) {
    auto name = *name_of(s.handshake()); // the middleware let only named clients in
    s.on("enter", [&s, name](atrium::event& ev) {
      auto room = ev.string(0);
      if (!room)
        return;
      std::string r{*room};
      s.join(r);
      s.to(r).emit("entered", {r, name});
      ev.ack(true);
    });
    s.on("say", [&s, name](atrium::event& ev) {
      auto room = ev.string(0);
      auto text = ev.string(1);
      if (room && text && s.rooms().count(std::string{*room}) > 0)
        s.to(std::string{*room}).emit("said", {*room, name, *text});
    });
    s.on("whisper", [&s, name](atrium::event& ev) {
      auto to = ev.string(0);
      auto text = ev.string(1);
      if (to && text)
        s.to(std::string{*to}).emit("whispered", {name, *text});
    });
    s.on("exit", [&s, name](atrium::event& ev) {
      auto room = ev.string(0);
      if (!room)
        return;
      std::string r{*room};
      s.leave(r);
      s.to(r).emit("exited", {r, name});
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
  if (argc > 2)
    http_opts.host = argv[2];
  atrium::net::http_server http{http_opts, io};
  http.start();
  std::printf("chat listening on http://%s:%u\n", http_opts.host.c_str(), http.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  http.stop();
  io.shutdown();
}

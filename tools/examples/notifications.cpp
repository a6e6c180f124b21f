// Notifications for users and their devices, written against Atrium's public API only: the
// rooms of a user (every device of one user) and of an entity (whoever follows a project).
//
//   atrium-notifications-example [port [host]]
//
// Port 0 takes any free one; the line "notifications listening on http://HOST:PORT" says which.
//
// Each device connects with `io(url, {auth: {user: "u1"}})` and is put in the room `user:u1`;
// a client without a user is refused with a CONNECT_ERROR. Clients emit:
//   "subscribe" (project, ack)      join `project:<project>`; ack {ok: true}
//   "publish"   ({project, text})   ("notification", {project, text, from}) to the project's
//                                   subscribers, none of the sender's own devices
//   "direct"    ({user, text})      ("direct", {text, from}) to every device of that user
// `from` is the sender's user. publish and direct ack {ok: true} when asked, or {ok: false,
// error} for arguments they cannot use.

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "atrium/atrium.hpp"

namespace {

/// The non-empty string `key` of a JSON object; nullopt otherwise.
std::optional<std::string> string_member(const rapidjson::Value* obj, const char* key) {
  if (!obj || !obj->IsObject())
    return std::nullopt;
  auto it = obj->FindMember(key);
  if (it == obj->MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0)
    return std::nullopt;
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

std::optional<std::string> user_of(const atrium::handshake& hs) {
  auto auth = atrium::parse_json(hs.auth);
  return auth ? string_member(&*auth, "user") : std::nullopt;
}

std::string user_room(const std::string& user) { return "user:" + user; }
std::string project_room(std::string_view project) { return "project:" + std::string{project}; }

/// A JSON object of string members, as one argument of an emit.
atrium::args object_of(std::initializer_list<std::pair<const char*, std::string>> members) {
  rapidjson::Document doc{rapidjson::kObjectType};
  auto& alloc = doc.GetAllocator();
  for (auto& [key, value] : members)
    doc.AddMember(rapidjson::StringRef(key), rapidjson::Value{value.c_str(), alloc}, alloc);
  return atrium::args{static_cast<const rapidjson::Value&>(doc)};
}

const atrium::raw_json ok{R"({"ok":true})"};

void refuse(atrium::event& ev, const char* why) {
  ev.ack(atrium::raw_json{std::string{R"({"ok":false,"error":")"} + why + "\"}"});
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
    if (!user_of(hs))
      return atrium::connect_refusal{"a user is required: io(url, {auth: {user}})", {}};
    return std::nullopt;
  });

  io.on_connection([](atrium::socket& s) {
    auto user = *user_of(s.handshake()); // the middleware let only users in
    s.join(user_room(user));

    s.on("subscribe", [&s](atrium::event& ev) {
      auto project = ev.string(0);
      if (!project || project->empty())
        return refuse(ev, "subscribe needs a project");
      s.join(project_room(*project));
      ev.ack(ok);
    });
    s.on("publish", [&s, user](atrium::event& ev) {
      auto project = string_member(ev.at(0), "project");
      auto text = string_member(ev.at(0), "text");
      if (!project || !text)
        return refuse(ev, "publish needs {project, text}");
      s.to(project_room(*project))
          .except(user_room(user))
          .emit("notification", object_of({{"project", *project}, {"text", *text}, {"from", user}}));
      ev.ack(ok);
    });
    s.on("direct", [&s, user](atrium::event& ev) {
      auto to = string_member(ev.at(0), "user");
      auto text = string_member(ev.at(0), "text");
      if (!to || !text)
        return refuse(ev, "direct needs {user, text}");
      s.to(user_room(*to)).emit("direct", object_of({{"text", *text}, {"from", user}}));
      ev.ack(ok);
    });
  });

  atrium::net::server_options http_opts;
  if (argc > 1)
    http_opts.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  if (argc > 2)
    http_opts.host = argv[2];
  atrium::net::http_server http{http_opts, io};
  http.start();
  std::printf("notifications listening on http://%s:%u\n", http_opts.host.c_str(), http.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  http.stop();
  io.shutdown();
}

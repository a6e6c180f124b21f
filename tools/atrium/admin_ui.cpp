#include "tools/atrium/admin_ui.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <deque>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "atrium/broadcast_operator.hpp"
#include "atrium/json.hpp"
#include "atrium/socket.hpp"
#include "protocol/json.hpp"
#include "protocol/socketio.hpp"
#include "tools/atrium/json_text.hpp"
#include "tools/atrium/password_check.hpp"
#include "tools/atrium/secret_file.hpp"

namespace atrium::app {

namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// Initialised before main runs: admin-ui's `uptime` is the process's.
const auto process_start = std::chrono::steady_clock::now();

constexpr milliseconds stats_period{2000};
constexpr milliseconds fetch_timeout{2000};
constexpr std::size_t max_sessions = 1024;
constexpr std::chrono::hours session_lifetime{24};

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("no random bytes for an admin session");
  return hex(buf.data(), bytes);
}

/// JavaScript's `JSON.stringify(new Date(t))`: what admin-ui's events carry as a timestamp.
std::string iso_date(system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "\"%s.%03dZ\"", buf, static_cast<int>(ms % 1000));
  return out;
}

/// `Date.prototype.toString()` of a handshake's time, as Socket.IO's `handshake.time` is.
std::string date_string(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[80];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)",
                &utc);
  return buf;
}

std::string json_string(std::string_view s) {
  std::string out;
  protocol::append_json_string(out, s);
  return out;
}

void append_string_map(std::string& out, const shared_string_map& m, bool redact_credentials) {
  out += '{';
  bool first = true;
  for (auto& [key, value] : m) {
    if (!first)
      out += ',';
    first = false;
    protocol::append_json_string(out, key);
    out += ':';
    // The clients' own credentials need not reach whoever looks at the UI.
    bool secret = redact_credentials && (key == "authorization" || key == "cookie");
    protocol::append_json_string(out, secret ? std::string_view{"[redacted]"} : value);
  }
  out += '}';
}

/// A JSON value of a socket's data as admin-ui shows it: an object, `{}` when there is none.
std::string data_json(const std::string& data) {
  return data.empty() || data == "null" ? "{}" : data;
}

/// `filter` of a command: a room (a socket id is one) or rooms; none when absent or null.
/// False when it is something else.
bool filter_of(const rapidjson::Value* v, std::optional<std::vector<std::string>>& out) {
  if (!v || v->IsNull())
    return true;
  std::vector<std::string> rooms;
  auto add = [&](const rapidjson::Value& s) {
    if (!s.IsString() || s.GetStringLength() == 0)
      return false;
    rooms.emplace_back(s.GetString(), s.GetStringLength());
    return true;
  };
  if (v->IsArray()) {
    for (auto& item : v->GetArray())
      if (!add(item))
        return false;
    if (rooms.empty())
      return true;
  } else if (!add(*v)) {
    return false;
  }
  out = std::move(rooms);
  return true;
}

/// A string member of a CONNECT's auth object (JSON text), or nullopt.
std::optional<std::string> auth_member(const std::string& auth, const char* key) {
  auto doc = parse_json(auth);
  if (!doc || !doc->IsObject())
    return std::nullopt;
  auto it = doc->FindMember(key);
  if (it == doc->MemberEnd() || !it->value.IsString())
    return std::nullopt;
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

raw_json answer(std::string_view error) {
  if (error.empty())
    return raw_json{R"({"ok":true})"};
  return raw_json{R"({"ok":false,"error":)" + json_string(error) + "}"};
}

} // namespace

struct admin_ui::state {
  state(admin_ui_options o, namespace_handle a, engine_stats_source e)
    : opts(std::move(o)), admin(std::move(a)), engine(std::move(e)) {}

  admin_ui_options opts;
  std::string hostname;
  std::string server_id;
  long pid = 0;
  namespace_handle admin;
  std::map<std::string, namespace_handle> all; // served + admin
  std::unique_ptr<password_checker> checker;
  engine_stats_source engine;
  bool engine_counts_packets_in = false;
  std::string client_id_key = random_hex(16); // keeps handshake addresses out of client ids

  // Login sessions (admin-ui's InMemoryStore): a UI that reloads comes back with its id.
  std::mutex sessions_mutex;
  std::deque<std::pair<std::string, std::chrono::steady_clock::time_point>> sessions;

  // What this node's sockets did since the last server_stats.
  std::mutex counts_mutex;
  std::map<std::string, std::int64_t> sockets_per_namespace;
  std::unordered_map<const void*, unsigned> sockets_per_client; // by shared handshake
  std::uint64_t client_connections = 0;
  std::map<std::string, std::uint64_t> client_disconnections; // by reason
  std::atomic<std::uint64_t> events_in{0};
  // The cumulative counts server_stats last reported, to report what came since.
  std::map<std::string, std::uint64_t> reported;

  // Development mode: what fetch_sockets cannot tell of this node's sockets (client id,
  // transport, handshake), by namespace and id; JSON members ready to write.
  std::mutex details_mutex;
  std::map<std::pair<std::string, std::string>, std::string> details;

  std::string client_id(const socket& s) const {
    // Sockets of one connection share its handshake (unless a CONNECT carried other auth),
    // so its address tells them apart from other connections' while they live.
    auto addr = reinterpret_cast<std::uintptr_t>(&s.handshake());
    std::string input = client_id_key + std::to_string(addr) + admin.node();
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    return hex(digest, 6);
  }

  std::string socket_members(socket& s, const std::string& nsp) const {
    auto& hs = s.handshake();
    std::string address = hs.address;
    for (auto header : {"cf-connecting-ip", "x-forwarded-for"})
      if (auto it = hs.headers.find(header); it != hs.headers.end()) {
        address = std::string{it->second};
        break;
      }
    std::string transport = "polling";
    if (auto it = hs.query.find("transport"); it != hs.query.end())
      transport = std::string{it->second};
    std::string out = R"("id":)" + json_string(s.id());
    out += R"(,"clientId":)" + json_string(client_id(s));
    out += R"(,"transport":)" + json_string(transport);
    out += R"(,"nsp":)" + json_string(nsp);
    out += R"(,"handshake":{"address":)" + json_string(address);
    out += R"(,"headers":)";
    append_string_map(out, hs.headers, true);
    out += R"(,"query":)";
    append_string_map(out, hs.query, false);
    out += R"(,"issued":)" + std::to_string(hs.issued);
    out += R"(,"secure":)";
    out += hs.secure ? "true" : "false";
    out += R"(,"time":)" + json_string(date_string(hs.issued));
    out += R"(,"url":)" + json_string(hs.url);
    out += R"(,"xdomain":)";
    out += hs.headers.count("origin") > 0 ? "true" : "false";
    return out + '}';
  }

  void emit_to_admins(std::string_view event, const args& a) const {
    admin.emit(event, a);
  }

  // --- every namespace ---

  void connected(socket& s, const std::string& nsp) {
    {
      std::lock_guard<std::mutex> guard{counts_mutex};
      ++sockets_per_namespace[nsp];
      if (++sockets_per_client[&s.handshake()] == 1)
        ++client_connections;
    }
    // admin-ui reports the events of the application's sockets, not the admin's commands.
    bool report_events = opts.development && nsp != opts.namespace_name;
    if (!engine_counts_packets_in || report_events)
      s.on_any([this, report_events, nsp](event& ev) {
        if (!engine_counts_packets_in)
          events_in.fetch_add(1, std::memory_order_relaxed);
        if (report_events)
          event_received(ev, nsp);
      });
    if (!opts.development)
      return;
    auto members = socket_members(s, nsp);
    {
      std::lock_guard<std::mutex> guard{details_mutex};
      details[{nsp, s.id()}] = members;
    }
    std::string serialized = '{' + members + R"(,"data":)" + data_json(s.data())
                             + R"(,"rooms":)";
    append_json_strings(serialized, s.rooms());
    emit_to_admins("socket_connected",
                   args{raw_json{serialized + '}'}, raw_json{iso_date(system_clock::now())}});
  }

  void disconnected(socket& s, const std::string& nsp, disconnect_reason why) {
    {
      std::lock_guard<std::mutex> guard{counts_mutex};
      --sockets_per_namespace[nsp];
      auto it = sockets_per_client.find(&s.handshake());
      if (it != sockets_per_client.end() && --it->second == 0) {
        sockets_per_client.erase(it);
        ++client_disconnections[to_string(why)];
      }
    }
    if (!opts.development)
      return;
    {
      std::lock_guard<std::mutex> guard{details_mutex};
      details.erase({nsp, s.id()});
    }
    emit_to_admins("socket_disconnected",
                   args{nsp, s.id(), to_string(why), raw_json{iso_date(system_clock::now())}});
  }

  /// admin-ui's event_received(nsp, id, [event, ...args], date), binary arguments included.
  void event_received(event& ev, const std::string& nsp) const {
    std::string text = "[" + json_string(nsp) + ',' + json_string(ev.socket().id()) + ",["
                       + json_string(ev.name());
    for (std::size_t i = 0; i < ev.size(); ++i)
      text += ',' + protocol::to_json(ev[i]);
    text += "]," + iso_date(system_clock::now()) + ']';
    emit_to_admins("event_received", args::from_json_array(text, ev.attachments()));
  }

  void adapter_changed(const adapter_event& e, const std::string& nsp) const {
    if (e.type != adapter_event_type::join_room && e.type != adapter_event_type::leave_room)
      return;
    emit_to_admins(e.type == adapter_event_type::join_room ? "room_joined" : "room_left",
                   args{nsp, e.room, e.sid, raw_json{iso_date(system_clock::now())}});
  }

  // --- the admin namespace ---

  bool session_exists(std::string_view id) {
    std::lock_guard<std::mutex> guard{sessions_mutex};
    auto now = std::chrono::steady_clock::now();
    while (!sessions.empty() && now - sessions.front().second > session_lifetime)
      sessions.pop_front();
    for (auto& [known, since] : sessions)
      if (known == id)
        return true;
    return false;
  }

  std::string new_session() {
    auto id = random_hex(8);
    std::lock_guard<std::mutex> guard{sessions_mutex};
    if (sessions.size() == max_sessions)
      sessions.pop_front();
    sessions.emplace_back(id, std::chrono::steady_clock::now());
    return id;
  }

  /// admin-ui's basic auth: a known session id, or the username and the password.
  void authenticate(connect_request req) {
    if (opts.no_auth) {
      req.accept();
      return;
    }
    auto& auth = req.handshake().auth;
    if (auto session = auth_member(auth, "sessionId"); session && session_exists(*session)) {
      req.accept();
      return;
    }
    auto user = auth_member(auth, "username");
    auto password = auth_member(auth, "password");
    if (!user || *user != opts.username || !password) {
      req.refuse(connect_refusal{"invalid credentials", {}});
      return;
    }
    checker->check(std::move(*password), [req](bool ok) {
      if (ok)
        req.accept();
      else
        req.refuse(connect_refusal{"invalid credentials", {}});
    });
  }

  std::string features() const {
    std::vector<std::string> list;
    if (!opts.read_only)
      list = {"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"};
    list.emplace_back("AGGREGATED_EVENTS");
    if (opts.development)
      list.emplace_back("ALL_EVENTS");
    std::string out;
    append_json_strings(out, list);
    return out;
  }

  void admin_connected(socket& s) {
    if (!opts.no_auth) {
      auto session = auth_member(s.handshake().auth, "sessionId");
      if (!session || !session_exists(*session))
        s.emit("session", args{new_session()});
    }
    s.emit("config", args{raw_json{R"({"supportedFeatures":)" + features() + '}'}});
    if (opts.development)
      send_all_sockets(s.id());
  }

  /// `all_sockets` to admin socket `to`: every namespace's sockets on every node that answers.
  void send_all_sockets(const std::string& to) {
    struct gather {
      std::mutex mutex;
      std::size_t waiting;
      std::string sockets;
    };
    auto g = std::make_shared<gather>();
    g->waiting = all.size();
    for (auto& [name, nsp] : all) {
      nsp.fetch_sockets(fetch_timeout, [this, g, to, name = name](const remote_sockets& found) {
        std::string part;
        for (auto& r : found) {
          std::string members;
          {
            std::lock_guard<std::mutex> guard{details_mutex};
            if (auto it = details.find({name, r.id}); it != details.end())
              members = it->second;
          }
          if (members.empty()) {
            // Another node's socket: what fetch_sockets tells of it.
            members = R"("id":)" + json_string(r.id) + R"(,"clientId":)" + json_string(r.id)
                      + R"(,"nsp":)" + json_string(name) + R"(,"handshake":{"address":)"
                      + json_string(r.address) + '}';
          }
          if (!part.empty())
            part += ',';
          part += '{' + members + R"(,"data":)" + data_json(r.data) + R"(,"rooms":)";
          append_json_strings(part, r.rooms);
          part += '}';
        }
        std::lock_guard<std::mutex> guard{g->mutex};
        if (!part.empty())
          g->sockets += (g->sockets.empty() ? "" : ",") + part;
        if (--g->waiting == 0)
          admin.to(to).emit("all_sockets", args{raw_json{'[' + g->sockets + ']'}});
      });
    }
  }

  /// One of the UI's commands, with admin-ui's arguments: emit(nsp, filter, event, ...args),
  /// join/leave(nsp, room, filter), _disconnect(nsp, close, filter). admin-ui asks no ack; one
  /// that is asked for says whether the command was carried out.
  void command(event& ev, const std::string& which) {
    auto reply = [&](std::string_view error) {
      if (ev.wants_ack())
        ev.ack(args{answer(error)});
    };
    if (opts.read_only) {
      reply("the admin UI is read-only");
      return;
    }
    auto nsp_name = ev.string(0);
    auto nsp_it = nsp_name ? all.find(std::string{*nsp_name}) : all.end();
    if (nsp_it == all.end()) {
      reply("unknown namespace");
      return;
    }
    auto& nsp = nsp_it->second;
    std::optional<std::vector<std::string>> filter;
    if (!filter_of(ev.at(which == "emit" ? 1 : 2), filter)) {
      reply("the filter must be a room or a socket id");
      return;
    }
    auto selection = filter ? nsp.to(*filter) : nsp.all();
    if (which == "emit") {
      auto name = ev.string(2);
      if (!name || name->empty()) {
        reply("the event must be a non-empty string");
        return;
      }
      if (sio::is_reserved_event(*name)) {
        reply("\"" + std::string{*name} + "\" is a reserved event name");
        return;
      }
      std::string rest = "[";
      for (std::size_t i = 3; i < ev.size(); ++i) {
        if (rest.size() > 1)
          rest += ',';
        rest += protocol::to_json(ev[i]);
      }
      selection.emit(*name, args::from_json_array(rest + ']', ev.attachments()));
    } else if (which == "join" || which == "leave") {
      auto room = ev.string(1);
      if (!room || room->empty()) {
        reply("the room must be a non-empty string");
        return;
      }
      if (which == "join")
        selection.sockets_join({std::string{*room}});
      else
        selection.sockets_leave({std::string{*room}});
    } else {
      auto close = ev.boolean(1);
      selection.disconnect_sockets(close.value_or(false));
    }
    reply({});
  }

  // --- server_stats ---

  /// `count` more of `type` (and `sub_type`) since the last report, as an aggregated event.
  void add_delta(std::string& events, std::int64_t second_ms, const std::string& type,
                 const std::string& sub_type, std::uint64_t total) {
    auto& last = reported[type + '\n' + sub_type];
    if (total <= last) {
      last = total;
      return;
    }
    if (events.size() > 1)
      events += ',';
    events += R"({"timestamp":)" + std::to_string(second_ms) + R"(,"type":)" + json_string(type);
    if (!sub_type.empty())
      events += R"(,"subType":)" + json_string(sub_type);
    events += R"(,"count":)" + std::to_string(total - last) + '}';
    last = total;
  }

  std::string stats_json() {
    engine_counters e = engine ? engine() : engine_counters{};
    auto now = std::chrono::duration_cast<milliseconds>(system_clock::now().time_since_epoch());
    std::int64_t second_ms = now.count() - now.count() % 1000;
    std::string events = "[";
    std::string namespaces = "[";
    std::uint64_t clients = 0;
    {
      std::lock_guard<std::mutex> guard{counts_mutex};
      clients = e.clients.value_or(sockets_per_client.size());
      if (e.connections)
        add_delta(events, second_ms, "rawConnection", "", *e.connections);
      else
        add_delta(events, second_ms, "rawConnection", "", client_connections);
      if (e.disconnections) {
        add_delta(events, second_ms, "rawDisconnection", "", *e.disconnections);
      } else {
        auto per_reason = client_disconnections; // add_delta changes `reported` only
        for (auto& [reason, count] : per_reason)
          add_delta(events, second_ms, "rawDisconnection", reason, count);
      }
      for (auto& [name, nsp] : all) {
        if (namespaces.size() > 1)
          namespaces += ',';
        auto it = sockets_per_namespace.find(name);
        namespaces += R"({"name":)" + json_string(name) + R"(,"socketsCount":)"
                      + std::to_string(it == sockets_per_namespace.end() ? 0 : it->second) + '}';
      }
    }
    add_delta(events, second_ms, "packetsIn", "",
              e.packets_in.value_or(events_in.load(std::memory_order_relaxed)));
    if (e.packets_out)
      add_delta(events, second_ms, "packetsOut", "", *e.packets_out);
    if (e.bytes_in)
      add_delta(events, second_ms, "bytesIn", "", *e.bytes_in);
    if (e.bytes_out)
      add_delta(events, second_ms, "bytesOut", "", *e.bytes_out);

    std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - process_start;
    char uptime_text[32];
    std::snprintf(uptime_text, sizeof uptime_text, "%.3f", uptime.count());
    std::string out = R"({"serverId":)" + json_string(server_id);
    out += R"(,"hostname":)" + json_string(hostname);
    out += R"(,"pid":)" + std::to_string(pid);
    out += R"(,"uptime":)" + std::string{uptime_text};
    out += R"(,"clientsCount":)" + std::to_string(clients);
    if (e.polling_clients)
      out += R"(,"pollingClientsCount":)" + std::to_string(*e.polling_clients);
    out += R"(,"aggregatedEvents":)" + events + ']';
    out += R"(,"namespaces":)" + namespaces + "]}";
    return out;
  }
};

admin_ui::admin_ui(admin_ui_options opts, server& io,
                   std::map<std::string, namespace_handle> served, engine_stats_source engine)
  : st_([&] {
      if (served.count(opts.namespace_name) > 0)
        throw std::runtime_error("the admin namespace " + opts.namespace_name
                                 + " is also an application namespace (--namespace)");
      auto admin = io.of(opts.namespace_name);
      return std::make_shared<state>(std::move(opts), std::move(admin), std::move(engine));
    }()) {
  auto& st = *st_;
  if (!st.opts.no_auth) {
    if (st.opts.password_hash_file.empty())
      throw std::runtime_error("--admin-ui needs --admin-password-hash-file (or, explicitly,"
                               " --admin-no-auth)");
    auto hash = read_secret_file(st.opts.password_hash_file, "admin password hash file");
    if (auto problem = bcrypt_hash_problem(hash); !problem.empty())
      throw std::runtime_error(st.opts.password_hash_file + ": " + problem);
    st.checker = std::make_unique<password_checker>(std::move(hash));
  }
  st.all = std::move(served);
  st.all.emplace(st.opts.namespace_name, st.admin);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  st.hostname = host;
  st.pid = static_cast<long>(getpid());
  st.server_id = st.opts.server_id;
  if (st.server_id.empty())
    st.server_id = st.admin.node().empty() ? st.hostname : st.hostname + "#" + std::to_string(st.pid);
  st.engine_counts_packets_in = st.engine && st.engine().packets_in.has_value();
}

admin_ui::~admin_ui() {
  stop();
}

void admin_ui::install() {
  auto st = st_;
  for (auto& [name, handle] : st->all) {
    auto nsp = handle;
    nsp.on_connection([st, name = name](socket& s) { st->connected(s, name); });
    nsp.on_disconnect([st, name = name](socket& s, disconnect_reason why) {
      st->disconnected(s, name, why);
    });
    if (st->opts.development)
      nsp.on_adapter_event([st, name = name](const adapter_event& e) {
        st->adapter_changed(e, name);
      });
  }
  auto admin = st->admin;
  admin.use([st](connect_request req) { st->authenticate(std::move(req)); });
  admin.on_connection([st](socket& s) { st->admin_connected(s); });
  for (const char* which : {"emit", "join", "leave", "_disconnect"})
    admin.on_event(which, [st, which = std::string{which}](event& ev) { st->command(ev, which); });
}

void admin_ui::start() {
  stats_thread_ = std::thread{[this, st = st_] {
    std::unique_lock<std::mutex> lock{stop_mutex_};
    while (!stopping_) {
      lock.unlock();
      st->emit_to_admins("server_stats", args{raw_json{st->stats_json()}});
      lock.lock();
      stop_wake_.wait_for(lock, stats_period, [this] { return stopping_; });
    }
  }};
}

void admin_ui::stop() {
  {
    std::lock_guard<std::mutex> guard{stop_mutex_};
    stopping_ = true;
  }
  stop_wake_.notify_all();
  if (stats_thread_.joinable())
    stats_thread_.join();
  if (st_->checker)
    st_->checker->stop();
}

} // namespace atrium::app

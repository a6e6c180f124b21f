#include "tools/client/session.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>

#include "protocol/engineio.hpp"
#include "protocol/json.hpp"
#include "tools/client/polling_transport.hpp"
#include "tools/client/websocket_transport.hpp"

namespace atrium::client {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How long the goodbye of close() may take before the connections are simply closed.
constexpr std::chrono::milliseconds goodbye_limit{5000};

} // namespace

std::shared_ptr<connection> connection::open(asio::io_context& ioc, options opts,
                                             callbacks cbs) {
  auto s = std::make_shared<session>(ioc, std::move(opts), std::move(cbs));
  s->start();
  return s;
}

session::session(asio::io_context& ioc, options opts, callbacks cbs)
  : strand_(asio::make_strand(ioc)),
    opts_(std::move(opts)),
    cbs_(std::move(cbs)),
    assembler_(sio::limits{opts_.max_attachments, protocol::default_max_json_depth}),
    heartbeat_(strand_) {
}

session::~session() = default;

// -- opening -------------------------------------------------------------------------------

void session::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->phase_ != phase::resolving)
      return; // closed before it started
    // Until the open packet, the same timer bounds the handshake.
    self->arm_timer(self->ping_interval_ + self->ping_timeout_);
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(self->opts_.host, ec);
    if (!ec) {
      self->on_resolved(endpoint_list{tcp::endpoint{addr, self->opts_.port}});
      return;
    }
    self->resolver_ = std::make_unique<tcp::resolver>(self->strand_);
    self->resolver_->async_resolve(
      self->opts_.host, std::to_string(self->opts_.port),
      [self](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        if (self->phase_ != phase::resolving)
          return;
        if (ec || results.empty()) {
          self->finish("transport error", false);
          return;
        }
        endpoint_list endpoints;
        for (const auto& r : results)
          endpoints.push_back(r.endpoint());
        self->on_resolved(std::move(endpoints));
      });
  });
}

void session::on_resolved(endpoint_list endpoints) {
  endpoints_ = std::move(endpoints);
  resolver_.reset();
  phase_ = phase::handshaking;
  start_transport();
}

std::string session::host_header() const {
  return opts_.host + ':' + std::to_string(opts_.port);
}

std::string session::target(const char* transport_name, bool with_sid) const {
  std::string t = opts_.path;
  t += "?EIO=4&transport=";
  t += transport_name;
  if (with_sid) {
    t += "&sid="; // session ids are base64url: nothing to escape
    t += sid_string_;
  }
  if (!opts_.query.empty()) {
    t += '&';
    t += opts_.query;
  }
  return t;
}

void session::start_transport() {
  if (opts_.mode == transport::websocket) {
    ws_ = websocket_transport::make(strand_, endpoints_, host_header(), target("websocket", false),
                                    opts_.max_payload, shared_from_this());
    return;
  }
  polling_ = polling_transport::make(strand_, endpoints_, host_header(), opts_.max_poll_response,
                                     shared_from_this());
  get_in_flight_ = true;
  polling_->get(target("polling", false)); // the handshake
}

bool session::on_open_packet(std::string_view json) {
  auto doc = protocol::parse_json(json);
  if (!doc || !doc->IsObject())
    return false;
  auto sid = doc->FindMember("sid");
  auto interval = doc->FindMember("pingInterval");
  auto timeout = doc->FindMember("pingTimeout");
  if (sid == doc->MemberEnd() || !sid->value.IsString() || sid->value.GetStringLength() == 0
      || interval == doc->MemberEnd() || !interval->value.IsUint()
      || timeout == doc->MemberEnd() || !timeout->value.IsUint())
    return false;
  sid_string_.assign(sid->value.GetString(), sid->value.GetStringLength());
  ping_interval_ = std::chrono::milliseconds{interval->value.GetUint()};
  ping_timeout_ = std::chrono::milliseconds{timeout->value.GetUint()};
  auto max_payload = doc->FindMember("maxPayload");
  if (max_payload != doc->MemberEnd() && max_payload->value.IsUint64()
      && max_payload->value.GetUint64() > 0)
    server_max_payload_ = static_cast<std::size_t>(max_payload->value.GetUint64());
  auto upgrades = doc->FindMember("upgrades");
  if (upgrades != doc->MemberEnd() && upgrades->value.IsArray())
    for (const auto& u : upgrades->value.GetArray())
      if (u.IsString() && std::string_view{u.GetString(), u.GetStringLength()} == "websocket")
        server_offers_ws_ = true;
  {
    std::lock_guard<std::mutex> guard{sid_mutex_};
    sid_public_ = sid_string_;
  }
  phase_ = phase::open;
  arm_heartbeat();
  if (cbs_.on_open)
    cbs_.on_open();
  if (polling_) {
    poll();
    if (opts_.mode == transport::upgrade && server_offers_ws_)
      start_probe();
  }
  flush(); // what was sent before the handshake
  return true;
}

// -- inbound -------------------------------------------------------------------------------

void session::on_packet(char type, std::string_view data) {
  if (phase_ == phase::handshaking) {
    if (type != static_cast<char>(eio::packet_type::open) || !on_open_packet(data))
      finish("parse error", false);
    return;
  }
  if (phase_ != phase::open)
    return;
  switch (static_cast<eio::packet_type>(type)) {
    case eio::packet_type::message:
      deliver(assembler_.text(data, scratch_));
      return;
    case eio::packet_type::ping:
      arm_heartbeat();
      enqueue(out_frame{"3", false});
      flush();
      return;
    case eio::packet_type::close:
      finish("transport close", false);
      return;
    case eio::packet_type::open:
      finish("parse error", false); // a second open packet
      return;
    default:
      return; // pong, upgrade, noop: nothing to do
  }
}

void session::on_binary(std::string bytes) {
  if (phase_ == phase::handshaking) {
    finish("parse error", false);
    return;
  }
  if (phase_ != phase::open)
    return;
  deliver(assembler_.binary(std::move(bytes), scratch_));
}

void session::deliver(packet_assembler::status st) {
  if (st == packet_assembler::status::invalid) {
    finish("parse error", false);
    return;
  }
  if (st != packet_assembler::status::complete)
    return;
  inbound in = std::move(scratch_);
  scratch_ = inbound{};
  if (cbs_.on_packet)
    cbs_.on_packet(std::move(in));
}

// -- outbound ------------------------------------------------------------------------------

void session::send(sio::packet p, std::vector<std::string> attachments) {
  asio::post(strand_, [self = shared_from_this(), p = std::move(p),
                       a = std::move(attachments)]() mutable {
    if (self->phase_ == phase::closing || self->phase_ == phase::closed)
      return;
    self->queue_bytes_ += append_packet_frames(self->queue_, std::move(p), std::move(a));
    if (self->queue_bytes_ > self->opts_.max_send_queue) {
      self->finish("send queue full", false);
      return;
    }
    self->flush();
  });
}

void session::enqueue(out_frame f) {
  queue_bytes_ += f.bytes.size();
  queue_.push_back(std::move(f));
}

void session::flush() {
  if ((phase_ != phase::open && phase_ != phase::closing) || queue_.empty())
    return;
  if (ws_) {
    if (ws_writing_)
      return; // ws_drained takes the rest
    ws_writing_ = true;
    std::vector<out_frame> batch;
    batch.swap(queue_);
    queue_bytes_ = 0;
    ws_->write(std::move(batch));
    return;
  }
  // While the upgrade pauses polling, the queue waits for the WebSocket.
  if (polling_ && !post_in_flight_ && upgrade_ != upgrade_phase::pausing)
    post_batch();
}

std::string session::take_poll_body() {
  // As many frames as the server's maxPayload allows (at least one), joined by '\x1e'.
  std::string body;
  std::size_t n = 0;
  for (; n < queue_.size(); ++n) {
    const auto& f = queue_[n];
    std::size_t seg = f.binary ? 1 + (f.bytes.size() + 2) / 3 * 4 : f.bytes.size();
    if (n > 0 && body.size() + 1 + seg > server_max_payload_)
      break;
    if (f.binary)
      eio::append_binary_segment(body, f.bytes);
    else
      eio::append_text_segment(body, f.bytes);
    queue_bytes_ -= f.bytes.size();
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  if (queue_.empty())
    queue_.shrink_to_fit(); // an idle connection keeps no buffer
  return body;
}

void session::post_batch() {
  post_in_flight_ = true;
  polling_->post(target("polling", true), take_poll_body());
}

// -- polling -------------------------------------------------------------------------------

void session::poll() {
  if (phase_ != phase::open || !polling_ || get_in_flight_ || hold_poll_
      || upgrade_ == upgrade_phase::pausing)
    return;
  get_in_flight_ = true;
  polling_->get(target("polling", true));
}

void session::poll_done(polling_transport* t, bool is_get, const char* failure,
                        std::string body) {
  if (t != polling_.get() || phase_ == phase::closed)
    return;
  (is_get ? get_in_flight_ : post_in_flight_) = false;
  if (phase_ == phase::closing) {
    // Only the goodbye matters now: the POSTs of what was queued, then of "1".
    if (is_get)
      return;
    if (failure || queue_.empty()) {
      stop_transports();
      phase_ = phase::closed;
      return;
    }
    post_batch();
    return;
  }
  if (failure) {
    finish(failure, false);
    return;
  }
  if (!is_get) {
    if (upgrade_ == upgrade_phase::pausing)
      maybe_finish_upgrade();
    else
      flush();
    return;
  }
  auto packets = eio::decode_payload(body, opts_.max_poll_response);
  if (!packets) {
    finish("parse error", false);
    return;
  }
  bool only_noop = true;
  for (auto& p : *packets) {
    if (phase_ != phase::open && phase_ != phase::handshaking)
      return;
    if (p.data.size() > opts_.max_payload) {
      finish("parse error", false);
      return;
    }
    if (p.type != eio::packet_type::noop)
      only_noop = false;
    if (p.binary)
      on_binary(std::move(p.data));
    else
      on_packet(static_cast<char>(p.type), p.data);
  }
  if (phase_ != phase::open)
    return;
  // The server answers the GET with a noop when the probe reaches it: polling again would
  // only get more noops until "3probe" arrives.
  if (upgrade_ == upgrade_phase::probing && only_noop)
    hold_poll_ = true;
  if (upgrade_ == upgrade_phase::pausing) {
    maybe_finish_upgrade();
    return;
  }
  poll();
}

// -- WebSocket -----------------------------------------------------------------------------

void session::ws_opened(websocket_transport* t) {
  if (t == probe_.get() && upgrade_ == upgrade_phase::connecting) {
    upgrade_ = upgrade_phase::probing;
    std::vector<out_frame> probe;
    probe.push_back(out_frame{"2probe", false});
    probe_->write(std::move(probe));
  }
  // The session's own WebSocket waits for the open packet.
}

void session::ws_message(websocket_transport* t, std::string data, bool binary) {
  if (t == probe_.get()) {
    if (upgrade_ == upgrade_phase::probing && !binary && data == "3probe") {
      upgrade_ = upgrade_phase::pausing;
      hold_poll_ = false;
      maybe_finish_upgrade();
    } else {
      drop_probe(); // not what an upgrade looks like: carry on polling
    }
    return;
  }
  if (t != ws_.get())
    return;
  if (binary) {
    on_binary(std::move(data));
    return;
  }
  if (data.empty() || data.front() < '0' || data.front() > '6') {
    // 'b' + base64 is a polling form; a WebSocket carries binary as binary frames.
    if (!data.empty() && data.front() == 'b') {
      auto p = eio::decode_text(data);
      if (p && p->data.size() <= opts_.max_payload) {
        on_binary(std::move(p->data));
        return;
      }
    }
    if (phase_ == phase::open || phase_ == phase::handshaking)
      finish("parse error", false);
    return;
  }
  on_packet(data.front(), std::string_view{data}.substr(1));
}

void session::ws_drained(websocket_transport* t) {
  if (t != ws_.get())
    return; // the probe's "2probe"
  ws_writing_ = false;
  flush();
  if (phase_ == phase::closing && !ws_writing_ && queue_.empty()) {
    ws_->close(); // "1" is out: the close frame follows
    ws_.reset();
    phase_ = phase::closed;
    ++heartbeat_gen_;
    heartbeat_.cancel();
  }
}

void session::ws_closed(websocket_transport* t, const char* why) {
  if (t == probe_.get()) {
    drop_probe();
    return;
  }
  if (t != ws_.get())
    return;
  if (phase_ == phase::closing) {
    ws_.reset();
    stop_transports();
    phase_ = phase::closed;
    return;
  }
  finish(why, false);
}

// -- upgrade -------------------------------------------------------------------------------

void session::start_probe() {
  upgrade_ = upgrade_phase::connecting;
  probe_ = websocket_transport::make(strand_, endpoints_, host_header(), target("websocket", true),
                                     opts_.max_payload, shared_from_this());
}

void session::drop_probe() {
  if (probe_) {
    probe_->abort();
    probe_.reset();
  }
  upgrade_ = upgrade_phase::none;
  hold_poll_ = false;
  poll();
  flush();
}

// The switch happens only when no GET and no POST is in flight: every packet of the
// polling transport has been handled before the first one from the WebSocket, and every
// packet the client sent by POST reached the server before "5".
void session::maybe_finish_upgrade() {
  if (upgrade_ != upgrade_phase::pausing || get_in_flight_ || post_in_flight_)
    return;
  upgrade_ = upgrade_phase::none;
  ws_ = std::move(probe_);
  probe_.reset();
  polling_->stop();
  polling_.reset();
  queue_.insert(queue_.begin(), out_frame{"5", false});
  queue_bytes_ += 1;
  ws_writing_ = false;
  upgraded_ = true;
  flush(); // "5", then everything that waited during the upgrade
  if (cbs_.on_upgrade)
    cbs_.on_upgrade();
}

// -- heartbeat -----------------------------------------------------------------------------

void session::arm_heartbeat() {
  arm_timer(ping_interval_ + ping_timeout_);
}

void session::arm_timer(std::chrono::milliseconds after) {
  auto gen = ++heartbeat_gen_;
  heartbeat_.expires_after(after);
  heartbeat_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
    if (ec || gen != self->heartbeat_gen_)
      return;
    self->on_timer();
  });
}

void session::on_timer() {
  switch (phase_) {
    case phase::resolving:
    case phase::handshaking:
      finish("transport error", false); // no open packet in time
      return;
    case phase::open:
      finish("ping timeout", false);
      return;
    case phase::closing:
      stop_transports(); // the goodbye took too long
      phase_ = phase::closed;
      return;
    case phase::closed:
      return;
  }
}

// -- closing -------------------------------------------------------------------------------

void session::close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->finish("client close", self->phase_ == phase::open);
  });
}

void session::abort() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->phase_ == phase::closing) {
      self->stop_transports(); // cuts a goodbye short
      self->phase_ = phase::closed;
      return;
    }
    self->finish("abort", false);
  });
}

void session::finish(const char* why, bool graceful) {
  if (phase_ == phase::closing || phase_ == phase::closed)
    return;
  ++heartbeat_gen_;
  heartbeat_.cancel();
  if (resolver_)
    resolver_->cancel();
  if (probe_) {
    probe_->abort();
    probe_.reset();
  }
  upgrade_ = upgrade_phase::none;
  hold_poll_ = false;
  // The user's callbacks (and whatever they capture) are released: nothing follows.
  auto on_close = std::move(cbs_.on_close);
  cbs_ = callbacks{};
  if (graceful) {
    phase_ = phase::closing;
    enqueue(out_frame{"1", false}); // behind everything sent before close()
    arm_timer(goodbye_limit);
    flush();
  } else {
    phase_ = phase::closed;
    stop_transports();
  }
  if (on_close)
    on_close(why);
}

void session::stop_transports() {
  if (polling_) {
    polling_->stop();
    polling_.reset();
  }
  if (ws_) {
    ws_->abort();
    ws_.reset();
  }
  if (probe_) {
    probe_->abort();
    probe_.reset();
  }
  ++heartbeat_gen_;
  heartbeat_.cancel();
  queue_.clear();
  queue_.shrink_to_fit();
  queue_bytes_ = 0;
  get_in_flight_ = post_in_flight_ = ws_writing_ = false;
}

// -- queries -------------------------------------------------------------------------------

std::string session::sid() const {
  std::lock_guard<std::mutex> guard{sid_mutex_};
  return sid_public_;
}

bool session::upgraded() const {
  return upgraded_.load();
}

} // namespace atrium::client

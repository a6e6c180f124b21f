#include "net/websocket_transport.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "net/engine_session.hpp"
#include "net/log.hpp"
#include "net/ws_link.hpp"
#include "protocol/websocket.hpp"

namespace atrium::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

std::atomic<std::size_t> live_links{0};

// Reading: bytes arrive in a per-thread scratch buffer; a connection keeps a buffer of its own
// only while a frame is incomplete, grown by this much per read.
constexpr std::size_t scratch_size = 64 * 1024;
constexpr std::size_t read_chunk = 16 * 1024;
// Writing: frames up to this size are copied into one contiguous gather buffer (cheaper than an
// iovec entry each); bigger ones are written from where they are.
constexpr std::size_t copied_frame = 4 * 1024;
constexpr std::chrono::seconds close_grace{5};

/// A batch of frames as one gather write: small frames copied into `bytes`, large ones
/// referenced. One per thread: a connection keeps nothing of a write that completed at once.
struct batch_buffers {
  frame_batch frames; // large ones are referenced by `buffers`
  std::string bytes;
  std::vector<asio::const_buffer> buffers;

  void release_if_large() {
    if (bytes.capacity() > scratch_size) {
      std::string{}.swap(bytes);
      std::vector<asio::const_buffer>{}.swap(buffers);
    }
  }
};

/// What a connection keeps while a write goes on asynchronously (a client reading slowly).
struct unfinished_write {
  frame_batch frames;                    // alive until the write ends: large ones are referenced
  std::vector<asio::const_buffer> rest;  // what is still to be sent
  std::string bytes;                     // the rest's copied part
};

/// One WebSocket connection. Beast performs the opening handshake; from then on this class
/// reads and writes RFC 6455 frames itself, so that every frame waiting for the connection
/// leaves in one write. Its socket lives on the session's strand, so every handler below, and
/// every call from the session, runs there: no locks.
class ws_transport final : public ws_link, public std::enable_shared_from_this<ws_transport> {
public:
  ws_transport(tcp::socket&& socket, std::shared_ptr<engine_session> session, ws_role role,
               std::size_t max_message)
    : handshake_(std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(socket))),
      socket_(session->executor()),
      session_(std::move(session)),
      role_(role),
      reader_(max_message) {
    ++live_links;
  }

  ~ws_transport() override { --live_links; }

  void run(http_request req) {
    beast::get_lowest_layer(*handshake_).expires_after(std::chrono::seconds(5));
    handshake_->set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "atrium");
    }));
    // The request is kept alive until the asynchronous accept has used it.
    req_ = std::make_unique<http_request>(std::move(req));
    handshake_->async_accept(*req_, [self = shared_from_this()](error_code ec) {
      self->on_accept(ec);
    });
  }

  void write(frame_batch batch) override {
    if (close_queued_ || ended_ || failed_)
      return;
    if (queue_.empty())
      queue_ = std::move(batch);
    else
      queue_.insert(queue_.end(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    do_write();
  }

  void close() override {
    closed_by_session_ = true;
    close_with(ws::close_code::normal);
  }

private:
  void on_accept(error_code ec) {
    req_.reset();
    if (ec) {
      fail(ec, "websocket accept");
      handshake_.reset();
      if (role_ == ws_role::open)
        session_->end(disconnect_reason::transport_error);
      return;
    }
    // Beast's stream has done its part (and read nothing beyond the request, which was read
    // before): keep only the socket, on a socket type bound to the strand.
    auto released = beast::get_lowest_layer(*handshake_).release_socket();
    handshake_.reset();
    auto protocol = released.local_endpoint(ec).protocol();
    auto handle = ec ? -1 : released.release(ec);
    if (!ec)
      socket_.assign(protocol, handle, ec);
    if (ec) {
      if (handle >= 0 && !socket_.is_open())
        ::close(handle);
      fail(ec, "websocket socket");
      if (role_ == ws_role::open)
        session_->end(disconnect_reason::transport_error);
      return;
    }
    error_code ec_nb;
    socket_.non_blocking(true, ec_nb); // the scratch read after a readiness wait never blocks
    if (role_ == ws_role::open)
      session_->open_websocket(shared_from_this());
    else
      session_->offer_upgrade(shared_from_this());
    do_read();
  }

  // An idle connection holds no read buffer: it waits until the socket is readable, reads into
  // this thread's scratch buffer, and keeps only the part of a frame still arriving.
  void do_read() {
    if (filled_ == 0) {
      if (!in_.empty()) {
        in_.clear();
        in_.shrink_to_fit();
      }
      socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
        self->on_readable(ec);
      });
      return;
    }
    if (in_.size() - filled_ < read_chunk)
      in_.resize(filled_ + read_chunk);
    socket_.async_read_some(asio::buffer(in_.data() + filled_, in_.size() - filled_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_readable(error_code ec) {
    if (ec)
      return read_failed(ec);
    thread_local std::vector<char> scratch(scratch_size);
    auto n = socket_.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
      return do_read();
    if (ec)
      return read_failed(ec);
    if (discarding_)
      return do_read();
    std::size_t parsed = 0;
    if (!deliver(std::string_view{scratch.data(), n}, parsed))
      return;
    in_.assign(scratch.data() + parsed, scratch.data() + n);
    filled_ = n - parsed;
    do_read();
  }

  void on_read(error_code ec, std::size_t n) {
    if (ec)
      return read_failed(ec);
    if (discarding_) {
      filled_ = 0;
      return do_read();
    }
    filled_ += n;
    std::size_t parsed = 0;
    if (!deliver(std::string_view{in_.data(), filled_}, parsed))
      return;
    // Keep what belongs to a frame still arriving at the front.
    std::memmove(in_.data(), in_.data() + parsed, filled_ - parsed);
    filled_ -= parsed;
    do_read();
  }

  void read_failed(error_code ec) {
    // The peer vanished (or we closed the socket): a transport close, not an error.
    if (ec != asio::error::eof && ec != asio::error::operation_aborted && !discarding_)
      fail(ec, "websocket read");
    failed_ = true;
    if (ended_)
      shut(); // after a protocol error, told already: the peer has now closed, so do we
    else
      ended(0);
  }

  /// Hands every complete frame of `bytes` on; `parsed` is where the unfinished rest starts.
  /// Returns false when reading is over or has been taken over (close, protocol error).
  bool deliver(std::string_view bytes, std::size_t& parsed) {
    for (;;) {
      ws::client_event ev;
      auto used = reader_.next(bytes.substr(parsed), ev);
      parsed += used;
      switch (ev.what) {
        case ws::client_event::kind::need_more:
          if (used > 0)
            continue; // a fragment was taken
          return true;
        case ws::client_event::kind::message:
          if (!closing())
            session_->ws_message(this, std::move(ev.payload), ev.binary);
          continue;
        case ws::client_event::kind::ping:
          if (!close_queued_) {
            control_.push_back({ws::opcode::pong, std::move(ev.payload)});
            do_write();
          }
          continue;
        case ws::client_event::kind::pong:
          continue;
        case ws::client_event::kind::close:
          // Answer with the same code unless we are the ones closing, then end.
          close_with(ev.code == 1005 ? ws::close_code::normal : ev.code);
          ended(0);
          return false;
        case ws::client_event::kind::failed:
          // Closing a socket with unread bytes makes the kernel send a reset, which could
          // overtake the close frame: read (and drop) until the client closes its side.
          close_with(ev.code);
          discarding_ = true;
          ended(ev.code);
          filled_ = 0;
          do_read();
          return false;
      }
    }
  }

  bool closing() const noexcept { return close_queued_ || ended_; }

  /// Queues a close frame behind everything queued; the socket closes once it is written and
  /// the peer answered, or after a grace period (a peer that stops reading could hold the
  /// write forever).
  void close_with(std::uint16_t code) {
    if (close_queued_ || failed_)
      return;
    close_queued_ = true;
    close_code_ = code;
    kill_timer_ = std::make_unique<engine_session::timer_type>(socket_.get_executor(), close_grace);
    kill_timer_->async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->shut();
    });
    do_write();
  }

  /// The link is over for the session: tell it once. `violation`: the close code of the
  /// client's protocol violation, or 0.
  void ended(std::uint16_t violation) {
    if (ended_)
      return;
    ended_ = true;
    // A protocol violation is a transport error, unless the session was closing anyway.
    session_->ws_closed(this, closed_by_session_ ? 0 : violation);
    if (failed_ || (close_sent_ && !writing_ && !discarding_))
      shut();
  }

  // Every frame waiting goes out in one write. Most writes fit the socket's send buffer at
  // once, so the write is tried right away and only what remains goes asynchronous: no handler
  // allocation, no completion to dispatch, for the common case. The batch is gathered in this
  // thread's buffers; only the rest of a partial write is copied into the connection's own.
  void do_write() {
    if (writing_)
      return; // an asynchronous write is out: its completion continues
    if (in_write_loop_)
      return; // queued from inside the loop (the session refilling on drain): it looks again
    in_write_loop_ = true;
    thread_local batch_buffers batch;
    while (prepare_batch(batch)) {
      writing_ = true;
      error_code ec;
      auto total = asio::buffer_size(batch.buffers);
      auto written = socket_.write_some(batch.buffers, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        written = 0;
      }
      if (!ec && written < total) {
        keep_unwritten(batch, written);
        batch.release_if_large();
        if (!ended_)
          session_->ws_blocked(this); // the rest waits for the client to read
        write_rest();
        break;
      }
      batch.frames.clear();
      batch.release_if_large();
      if (!finish_write(ec))
        break;
    }
    in_write_loop_ = false;
  }

  /// Takes everything waiting into `batch`: small frames (control frames are always small)
  /// copied into its bytes, large ones referenced where they are, kept alive by its frames.
  /// False when there is nothing to write.
  bool prepare_batch(batch_buffers& batch) {
    if (!has_pending())
      return false;
    batch.frames = std::move(queue_);
    queue_.clear();
    std::size_t copied = 0;
    for (auto& c : control_)
      copied += 2 + c.second.size();
    for (auto& f : batch.frames)
      copied += 10 + (f.bytes.size() <= copied_frame ? f.bytes.size() : 0);
    std::string close_payload;
    bool send_close = close_queued_ && !close_sent_;
    if (send_close) {
      close_payload = ws::close_payload(close_code_);
      copied += 2 + close_payload.size();
    }
    auto& gather = batch.bytes;
    auto& buffers = batch.buffers;
    gather.clear();
    gather.reserve(copied); // no reallocation below: buffers point into it
    buffers.clear();
    std::size_t segment = 0; // start of the part of gather not yet in buffers
    auto append = [&](ws::opcode op, std::string_view payload) {
      auto header = ws::server_frame_header(op, payload.size());
      gather.append(header.bytes.data(), header.size);
      if (payload.size() <= copied_frame) {
        gather.append(payload.data(), payload.size());
        return;
      }
      buffers.emplace_back(gather.data() + segment, gather.size() - segment);
      segment = gather.size();
      buffers.emplace_back(payload.data(), payload.size());
    };
    for (auto& c : control_)
      append(c.first, c.second);
    if (!control_.empty())
      decltype(control_){}.swap(control_); // pongs are rare: keep no capacity for them
    for (auto& f : batch.frames)
      append(f.binary ? ws::opcode::binary : ws::opcode::text, f.bytes);
    if (send_close) {
      append(ws::opcode::close, close_payload);
      close_sent_ = true;
    }
    if (gather.size() > segment)
      buffers.emplace_back(gather.data() + segment, gather.size() - segment);
    return true;
  }

  /// After a partial write: the batch's frames and its unwritten rest into unfinished_, the
  /// rest's copied bytes copied again (the batch's buffers are the thread's).
  void keep_unwritten(batch_buffers& batch, std::size_t written) {
    unfinished_ = std::make_unique<unfinished_write>();
    unfinished_->frames = std::move(batch.frames);
    batch.frames.clear();
    auto& rest = unfinished_->rest;
    auto& bytes = unfinished_->bytes;
    for (auto b : batch.buffers) {
      if (written >= b.size()) {
        written -= b.size();
        continue;
      }
      rest.push_back(b + written);
      written = 0;
    }
    auto own = [&](const asio::const_buffer& b) {
      auto p = static_cast<const char*>(b.data());
      return p >= batch.bytes.data() && p < batch.bytes.data() + batch.bytes.size();
    };
    std::size_t copied = 0;
    for (auto& b : rest)
      copied += own(b) ? b.size() : 0;
    bytes.reserve(copied); // no reallocation below: rest points into it
    for (auto& b : rest) {
      if (!own(b))
        continue;
      auto at = bytes.size();
      bytes.append(static_cast<const char*>(b.data()), b.size());
      b = asio::const_buffer(bytes.data() + at, b.size());
    }
  }

  /// Writes what is left of a batch, one write at a time: each one the socket takes is the
  /// client's progress, which the session hears (a client is judged by its progress).
  void write_rest() {
    socket_.async_write_some(unfinished_->rest,
                             [self = shared_from_this()](error_code ec, std::size_t n) {
                               self->on_rest_written(ec, n);
                             });
  }

  void on_rest_written(error_code ec, std::size_t n) {
    if (!ec) {
      auto& rest = unfinished_->rest;
      auto done = rest.begin();
      while (done != rest.end() && n >= done->size()) {
        n -= done->size();
        ++done;
      }
      if (done != rest.end())
        *done += n;
      rest.erase(rest.begin(), done);
      if (!rest.empty()) {
        if (!ended_)
          session_->ws_blocked(this);
        return write_rest();
      }
    }
    if (finish_write(ec))
      do_write();
  }

  /// The batch is out (or failed). Returns true when more is waiting to be written.
  bool finish_write(error_code ec) {
    writing_ = false;
    unfinished_.reset();
    if (ec) {
      failed_ = true;
      queue_.clear();
      fail(ec, "websocket write");
      shut(); // the read side then reports the end to the session
      return false;
    }
    if (close_sent_) {
      // The close frame is out: stop sending; the peer's close (or the grace timer) ends it.
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      if (ended_ && !discarding_)
        shut();
      return false;
    }
    if (has_pending())
      return true;
    if (!ended_)
      session_->ws_drained(this); // may queue the next batch at once
    return has_pending();
  }

  bool has_pending() const noexcept {
    return !queue_.empty() || !control_.empty() || (close_queued_ && !close_sent_);
  }

  void shut() {
    if (kill_timer_)
      kill_timer_->cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  std::unique_ptr<websocket::stream<beast::tcp_stream>> handshake_; // until the handshake is done
  asio::basic_stream_socket<tcp, engine_session::executor_type> socket_; // once accepted
  std::shared_ptr<engine_session> session_;
  ws_role role_;
  std::unique_ptr<http_request> req_; // during the handshake
  ws::frame_reader reader_;
  std::string in_;           // bytes read; [0, filled_) not parsed yet
  std::size_t filled_ = 0;
  frame_batch queue_;        // frames waiting for the next write
  std::vector<std::pair<ws::opcode, std::string>> control_; // pongs waiting
  std::unique_ptr<unfinished_write> unfinished_; // while a write goes on asynchronously
  bool writing_ = false;       // a batch is being written
  bool in_write_loop_ = false; // do_write() is on the stack
  bool close_queued_ = false;
  bool close_sent_ = false;
  bool ended_ = false;
  bool closed_by_session_ = false;
  bool failed_ = false;
  bool discarding_ = false; // after a protocol error: reading only to let the close frame arrive
  std::uint16_t close_code_ = ws::close_code::normal;
  std::unique_ptr<engine_session::timer_type> kill_timer_; // once closing
};

} // namespace

void accept_websocket(tcp::socket socket, http_request req,
                      std::shared_ptr<engine_session> session, ws_role role,
                      std::size_t max_message) {
  // Move the connection onto the session's strand: the session and its WebSocket then share
  // one serial executor, whichever connection the session was born on.
  error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) {
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket endpoint");
  }
  auto handle = socket.release(ec);
  if (ec) {
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket release");
  }
  tcp::socket moved{session->executor()};
  moved.assign(protocol, handle, ec);
  if (ec) {
    ::close(handle);
    if (role == ws_role::open)
      asio::post(session->executor(), [session] { session->end(disconnect_reason::transport_error); });
    return fail(ec, "websocket assign");
  }
  auto strand = session->executor();
  auto link = std::make_shared<ws_transport>(std::move(moved), std::move(session), role, max_message);
  asio::dispatch(strand, [link, req = std::move(req)]() mutable { link->run(std::move(req)); });
}

std::size_t live_websockets() {
  return live_links.load();
}

} // namespace atrium::net

#pragma once

// RFC 6455 framing as a server speaks it: headers for the unmasked frames it sends, and an
// incremental reader of the masked frames clients send. Pure (no I/O), so the server can gather
// every frame waiting for a connection into one write, and the reader can be fuzzed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace atrium::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close codes the server uses (RFC 6455 section 7.4.1).
namespace close_code {
constexpr std::uint16_t normal = 1000;
constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007; // text that is not UTF-8
constexpr std::uint16_t too_big = 1009;
} // namespace close_code

/// The header of one final, unmasked frame carrying `payload_size` bytes (2, 4 or 10 bytes).
struct frame_header {
  std::array<char, 10> bytes{};
  std::size_t size = 0;
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};

frame_header server_frame_header(opcode op, std::uint64_t payload_size) noexcept;

/// A close frame's payload: the code, big-endian, then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

/// What the reader found in the bytes it was given.
struct client_event {
  enum class kind : std::uint8_t {
    need_more, // nothing to act on: with 0 bytes used, read more and call again with the same
               // bytes plus the new; with bytes used (a fragment taken), call again at once
    message,   // a whole data message (fragments joined): `payload`, `binary`
    ping,      // answer with a pong carrying `payload`
    pong,
    close,     // the client closes: `code` (1005 when it gave none), `payload` is the reason
    failed,    // a protocol violation: close with `code`, read nothing more
  };
  kind what = kind::need_more;
  bool binary = false;
  std::uint16_t code = 0;
  std::string payload;
};

/// Reads client frames from a byte stream. Rejects what RFC 6455 forbids a client: unmasked
/// frames, reserved bits (no extension is ever negotiated), unknown opcodes, fragmented or
/// oversized control frames, broken fragment sequences, invalid UTF-8 text and close codes,
/// and messages above `max_message` bytes, refused as soon as a header announces them, so
/// nothing that large is ever buffered.
class frame_reader {
public:
  explicit frame_reader(std::size_t max_message) noexcept : max_message_(max_message) {}

  /// Parses at most one frame at the start of `bytes`; returns how many bytes it used. After
  /// `failed`, every call fails again.
  std::size_t next(std::string_view bytes, client_event& ev);

  /// Bytes of a fragmented message received so far (its frames are consumed as they come).
  std::size_t pending_message_size() const noexcept { return message_.size(); }

private:
  std::size_t fail(client_event& ev, std::uint16_t code);

  std::size_t max_message_;
  std::string message_; // the fragments of a message in progress
  bool in_message_ = false;
  bool message_binary_ = false;
  std::uint16_t failed_ = 0;
};

} // namespace atrium::ws

#pragma once

// The signed tokens a client presents at CONNECT (auth {token}): JWTs verified by libjwt with
// the one key the server was given for the token's algorithm family, then the claims the
// atrium binary reads from them. libjwt stays in token_verifier.cpp; this header is plain C++.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace atrium::app {

/// What a verified token says about its holder.
struct token_claims {
  std::string sub;                                     // empty if absent; a numeric sub becomes its decimal text
  std::vector<std::string> rooms;                      // claim "rooms" (array of strings)
  std::optional<std::vector<std::string>> allow_join;  // claim "allow_join" (array of strings)
  std::string data_json;                               // claim "data" (object) as compact JSON, empty if absent
  std::optional<std::int64_t> exp;                     // claim "exp"
};

/// What a token must say besides being signed.
struct token_rules {
  std::string issuer;    // when non-empty, "iss" must equal it
  std::string audience;  // when non-empty, "aud" (string or array of strings) must contain it
  std::int64_t leeway_s = 30; // for exp and nbf
};

class token_verifier {
public:
  /// Either file may be empty (not both). secret_file: HMAC key for HS256/384/512 (its
  /// content; a trailing "\n" or "\r\n" is stripped). public_key_file: PEM public key
  /// ("-----BEGIN PUBLIC KEY-----"), RSA (RS256/384/512) or EC P-256 (ES256). Throws
  /// std::runtime_error naming the file when unreadable/empty/not a PEM public key.
  static std::shared_ptr<const token_verifier>
  from_files(const std::string& secret_file, const std::string& public_key_file,
             token_rules rules);

  /// The claims, or the reason the token is refused. now: seconds since the epoch.
  /// Reasons: "invalid token", "algorithm not allowed", "token expired", "token not yet
  /// valid", "wrong issuer", "wrong audience", "malformed claim: <name>".
  /// Safe to call from several threads at once.
  std::variant<token_claims, std::string> verify(std::string_view token,
                                                 std::int64_t now) const;

  /// Tokens longer than this are refused unread (libjwt copies each segment onto the stack).
  static constexpr std::size_t max_token_size = 64 * 1024;

private:
  enum class public_key_type { none, rsa, ec_p256 };

  token_verifier(std::string secret, std::string public_key_pem, public_key_type type,
                 token_rules rules);

  std::string secret_;         // empty: no HS* token is accepted
  std::string public_key_pem_; // empty: no RS*/ES* token is accepted
  public_key_type public_key_type_;
  token_rules rules_;
};

} // namespace atrium::app
